/**
 * The repository of access review campaigns, rounds and items (access-review-records.ts).
 * Both adapters implement it and pass test/integration/store/contract-access-reviews.ts.
 */
import type {
  ItemAction,
  ItemDecision,
  ItemFilter,
  ReviewCampaignRecord,
  ReviewItemRecord,
  ReviewRoundRecord,
  RoundFilter,
  RoundState,
} from './access-review-records';
import type { Page } from './store';

export interface ItemDecisionChange {
  decision: ItemDecision;
  by: string;
  at: number;
  note?: string | null;
  action?: ItemAction;
}

export interface AccessReviewRepository {
  /** Inserts it; a duplicate id is a CONFLICT. */
  createCampaign(c: ReviewCampaignRecord): Promise<ReviewCampaignRecord>;
  getCampaign(id: string): Promise<ReviewCampaignRecord | null>;
  /** Newest first. */
  listCampaigns(
    filter: { groupId?: string },
    page: { limit: number; after?: string },
  ): Promise<Page<ReviewCampaignRecord>>;
  /** Campaigns whose next round is due at `now`, served by an index on nextRoundAt. */
  listDueCampaigns(now: number, limit: number): Promise<ReviewCampaignRecord[]>;
  /** No round opens after this; an open round still runs to its deadline. Null if already stopped. */
  stopCampaign(id: string, by: string, now: number): Promise<ReviewCampaignRecord | null>;
  /** Moves nextRoundAt on only if it is still `expected` (one opener wins). */
  advanceCampaign(id: string, expected: number, next: number, now: number): Promise<boolean>;
  /** Inserts the round, or returns the one with its id (an opening run again after a crash). */
  openRound(r: ReviewRoundRecord): Promise<{ round: ReviewRoundRecord; created: boolean }>;
  getRound(id: string): Promise<ReviewRoundRecord | null>;
  /** Newest first (ids sort by due time). */
  listRounds(
    filter: RoundFilter,
    page: { limit: number; after?: string },
  ): Promise<Page<ReviewRoundRecord>>;
  /** Moves it to `to` only from `from`; returns the record after, or null. */
  transitionRound(
    id: string,
    from: RoundState,
    to: RoundState,
    now: number,
  ): Promise<ReviewRoundRecord | null>;
  /** Inserts the items that do not exist yet (by round and authorization); returns how many. */
  addItems(items: ReviewItemRecord[]): Promise<number>;
  getItem(roundId: string, authorizationId: string): Promise<ReviewItemRecord | null>;
  /** By round, then authorization; the cursor is the last `roundId|authorizationId` returned. */
  listItems(
    filter: ItemFilter,
    page: { limit: number; after?: string },
  ): Promise<Page<ReviewItemRecord>>;
  countItems(roundId: string): Promise<Record<ItemDecision, number>>;
  /** Records a decision only while the item is still `pending`; null when it is not. */
  decideItem(
    roundId: string,
    authorizationId: string,
    change: ItemDecisionChange,
  ): Promise<ReviewItemRecord | null>;
  /** Records what was done for a decided item (its removal job or its alert). */
  recordItemAction(
    roundId: string,
    authorizationId: string,
    done: { removalJobId?: string; alertId?: string },
  ): Promise<void>;
}
