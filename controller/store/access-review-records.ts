/**
 * Access reviews: recurring campaigns in which an owner confirms or revokes every grant
 * (authorization) of a host group. A campaign opens a round every `periodMs`; the round
 * snapshots each grant in scope into an item; the owner decides each item until the
 * round's deadline; at the deadline every item still pending is removed or alerted, per
 * the campaign. Nothing is deleted: rounds, items and decisions stay, so an auditor can
 * answer "who had access when, and who allowed it". Times are ms since the epoch.
 */
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import type { AuthorizationTarget } from './authorization-records';

/** What happens at the deadline to a grant nobody confirmed. */
export const UNCONFIRMED_ACTIONS = ['remove', 'alert'] as const;
export type UnconfirmedAction = (typeof UNCONFIRMED_ACTIONS)[number];

export interface ReviewCampaignRecord {
  id: string;
  name: string;
  /** The host group in scope: grants naming it, and grants naming one of its hosts. */
  groupId: string;
  /** An application this campaign is about, kept as given (no application records yet). */
  applicationId: string | null;
  /** The token name of who must review: only that caller (or an admin) decides items. */
  owner: string;
  periodMs: number;
  /** How long after a round opens its items may be decided. Shorter than the period. */
  deadlineMs: number;
  onUnconfirmed: UnconfirmedAction;
  /** When the next round is due (the robot opens it at its first run from then on); null once stopped. */
  nextRoundAt: number | null;
  /** Who stopped the campaign (no round opens after), and when; null while it runs. */
  stoppedBy: string | null;
  stoppedAt: number | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** open: items may be decided; closed: the deadline passed and the robot acted on the rest. */
export const ROUND_STATES = ['open', 'closed'] as const;
export type RoundState = (typeof ROUND_STATES)[number];

export interface ReviewRoundRecord {
  /** `<due time, 12 hex digits>-<campaign id>`: one id per campaign and due time, so an opening rerun after a crash finds its round. */
  id: string;
  campaignId: string;
  /** Copied from the campaign when the round opened: a later change applies to later rounds. */
  groupId: string;
  applicationId: string | null;
  owner: string;
  onUnconfirmed: UnconfirmedAction;
  state: RoundState;
  dueAt: number;
  openedAt: number;
  deadlineAt: number;
  closedAt: number | null;
}

/**
 * pending: not decided yet; confirmed/revoked: the owner's (or an admin's) decision;
 * unconfirmed: still pending at the deadline; ended: the grant ended (removed, expired)
 * before anyone decided, so there was nothing left to decide.
 */
export const ITEM_DECISIONS = ['pending', 'confirmed', 'revoked', 'unconfirmed', 'ended'] as const;
export type ItemDecision = (typeof ITEM_DECISIONS)[number];

/** What was done about a revoked or unconfirmed item. */
export type ItemAction = 'remove' | 'alert' | null;

export interface ReviewItemRecord {
  roundId: string;
  campaignId: string;
  /** The grant, as it was when the round opened. */
  authorizationId: string;
  fingerprint: string;
  account: string;
  target: AuthorizationTarget;
  options: AuthorizedKeyOption[];
  expiresAt: number | null;
  grantedBy: string;
  grantedAt: number;
  decision: ItemDecision;
  decidedBy: string | null;
  decidedAt: number | null;
  note: string | null;
  action: ItemAction;
  /** The remove-authorization job queued for it (action remove), once queued. */
  removalJobId: string | null;
  /** The alert raised for it (action alert). */
  alertId: string | null;
}

export interface RoundFilter {
  campaignId?: string;
  state?: RoundState[];
}

export interface ItemFilter {
  roundId?: string;
  authorizationId?: string;
  decision?: ItemDecision[];
  /** Only items whose removal was decided but whose job is not recorded yet. */
  removalUnqueued?: boolean;
}
