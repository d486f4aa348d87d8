/**
 * The repository of authorizations and their placements (authorization-records.ts). Both
 * adapters implement it and pass test/integration/store/contract-authorizations.ts.
 */
import type {
  AuthorizationFilter,
  AuthorizationRecord,
  AuthorizationState,
  PlacementFilter,
  PlacementRecord,
} from './authorization-records';
import type { Page } from './store';

export interface AuthorizationRepository {
  /** Inserts it; a duplicate id is a CONFLICT. */
  create(rec: AuthorizationRecord): Promise<AuthorizationRecord>;
  get(id: string): Promise<AuthorizationRecord | null>;
  /** Newest first. Served by (state), (fingerprint), (account) and target indexes. */
  list(
    filter: AuthorizationFilter,
    page: { limit: number; after?: string },
  ): Promise<Page<AuthorizationRecord>>;
  /**
   * Moves it to `state` only from one of `from` (two removals or an expiry racing a
   * removal: one wins); returns the record after, or null when it was not in `from`.
   */
  transition(
    id: string,
    from: readonly AuthorizationState[],
    to: { state: AuthorizationState; by?: string },
    now: number,
  ): Promise<AuthorizationRecord | null>;
  /** Creates or replaces the placement of (authorizationId, hostId). */
  putPlacement(p: PlacementRecord): Promise<void>;
  /** putPlacement for many in one durable write (a grant to a group of a thousand hosts). */
  putPlacements(ps: PlacementRecord[]): Promise<void>;
  getPlacement(authorizationId: string, hostId: string): Promise<PlacementRecord | null>;
  /** Ordered by host, then authorization. Served by (authorizationId) and (host, account) indexes. */
  listPlacements(filter: PlacementFilter): Promise<PlacementRecord[]>;
}
