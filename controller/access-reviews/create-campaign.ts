/**
 * Creates an access review campaign after checking every part of it: the group exists, the
 * owner is a live token that may decide (operator or admin: an auditor token could never
 * confirm, and every grant would be removed at the first deadline), and the deadline falls
 * before the next round.
 */
import { invalidInput } from '../../shared/errors';
import type { ReviewCampaignRecord, UnconfirmedAction } from '../store/access-review-records';
import { newId } from '../store/ids';
import type { Store } from '../store/store';

export interface CampaignInput {
  name: string;
  groupId: string;
  applicationId?: string;
  owner: string;
  periodMs: number;
  deadlineMs: number;
  onUnconfirmed: UnconfirmedAction;
  /** When the first round opens (default: at the robot's next run). */
  firstRoundAt?: number;
}

export const MIN_PERIOD_MS = 3_600_000;
export const MIN_DEADLINE_MS = 60_000;

const bad = (field: string, value: unknown, message: string, expected: string) =>
  invalidInput(`${field}: ${message}`, { details: { field, value, expected } });

export async function createCampaign(
  store: Pick<Store, 'accessReviews' | 'hostGroups' | 'tokens'>,
  input: CampaignInput,
  actor: string,
  now: number,
): Promise<ReviewCampaignRecord> {
  if (input.periodMs < MIN_PERIOD_MS)
    throw bad('periodMs', input.periodMs, 'a period under one hour', `at least ${MIN_PERIOD_MS}`);
  if (input.deadlineMs < MIN_DEADLINE_MS || input.deadlineMs >= input.periodMs)
    throw bad(
      'deadlineMs',
      input.deadlineMs,
      'the deadline must be at least a minute and shorter than the period, so a round closes before the next opens',
      `${MIN_DEADLINE_MS} to ${input.periodMs - 1}`,
    );
  if (!(await store.hostGroups.get(input.groupId)))
    throw bad('groupId', input.groupId, `no host group ${input.groupId}`, 'a host group id');
  const tokens = await store.tokens.list();
  const owner = tokens.find(
    (t) => t.name === input.owner && t.revokedAt === null && t.role !== 'auditor',
  );
  if (!owner)
    throw bad(
      'owner',
      input.owner,
      `no live operator or admin token is named ${input.owner}: the owner could never decide, and every grant would be left unconfirmed`,
      'the name of a live operator or admin token',
    );
  const firstRoundAt = input.firstRoundAt ?? now;
  if (firstRoundAt < now - 60_000)
    throw bad('firstRoundAt', firstRoundAt, 'the first round is in the past', 'now or later');
  const id = newId(now);
  return store.accessReviews.createCampaign({
    id,
    name: input.name,
    groupId: input.groupId,
    applicationId: input.applicationId ?? null,
    owner: input.owner,
    periodMs: input.periodMs,
    deadlineMs: input.deadlineMs,
    onUnconfirmed: input.onUnconfirmed,
    nextRoundAt: firstRoundAt,
    stoppedBy: null,
    stoppedAt: null,
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
  });
}
