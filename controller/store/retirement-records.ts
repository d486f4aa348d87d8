/**
 * Records of key retirement (controller/retirement/) and of SIEM export
 * (controller/export/), added by migration 49.
 */
import type { AuditRecord } from './records';

/**
 * One authorized_keys line taken out of use in stages: `quarantining` (its original line is
 * kept here BEFORE the host is touched, so a crash never loses it), `quarantined` (the line
 * on the host is the restricted one), then `restored` (the original line back, byte for
 * byte) or `deleted` (the line removed; the end, not reversible).
 */
export type QuarantineState = 'quarantining' | 'quarantined' | 'restored' | 'deleted';

export interface KeyQuarantineRecord {
  /** `${hostId}|${account}|${file}|${fingerprint}`: one line of one file (see quarantineId). */
  id: string;
  fingerprint: string;
  hostId: string;
  account: string;
  file: string;
  /** The line as it was, byte for byte, without its line ending. */
  originalLine: string;
  /** The options the quarantined line carries instead (restrict, from=, expiry-time=). */
  quarantineOptions: { name: string; value?: string }[];
  state: QuarantineState;
  quarantinedAt: number;
  /** After this, the line may be deleted (by an admin, or the robot when enabled). */
  watchUntil: number;
  updatedAt: number;
  /** Who moved it to its current state. */
  by: string;
  /** The sshd config the line was found through (null: the host's default): later stages use it. */
  sshdConfigPath: string | null;
}

export const quarantineId = (p: {
  hostId: string;
  account: string;
  file: string;
  fingerprint: string;
}): string => `${p.hostId}|${p.account}|${p.file}|${p.fingerprint}`;

export interface KeyQuarantineRepository {
  /**
   * Keeps the original line of a line about to be quarantined. A record already active
   * (quarantining or quarantined) is kept as it is and returned: a retried job must never
   * replace the original with the restricted line it wrote itself.
   */
  begin(rec: KeyQuarantineRecord): Promise<KeyQuarantineRecord>;
  get(id: string): Promise<KeyQuarantineRecord | null>;
  list(filter: {
    fingerprint?: string;
    hostId?: string;
    state?: QuarantineState[];
    watchEndedBefore?: number;
  }): Promise<KeyQuarantineRecord[]>;
  /** Moves the record to `state` only from one of `from`; null when it was not there. */
  setState(
    id: string,
    from: QuarantineState[],
    state: QuarantineState,
    now: number,
    by: string,
  ): Promise<KeyQuarantineRecord | null>;
}

/** Where an export sink has got to in each feed; absent until the sink first runs. */
export interface ExportCursorRecord {
  sinkId: string;
  /** The last alert event (store.alerts.events cursor) the sink acknowledged. */
  alerts: string | null;
  /** The last audit feed entry (store.audit.feed cursor) the sink acknowledged. */
  audit: string | null;
  updatedAt: number;
}

export interface ExportCursorRepository {
  get(sinkId: string): Promise<ExportCursorRecord | null>;
  put(rec: ExportCursorRecord): Promise<void>;
  list(): Promise<ExportCursorRecord[]>;
  /**
   * Takes the sink's export lease for one period (`epoch`) unless another holder took it
   * first; true when `holder` has it. Decided by a unique insert, so with several
   * controllers on one store exactly one exports each sink in each period.
   */
  takeLease(sinkId: string, epoch: number, holder: string, now: number): Promise<boolean>;
  /** Forgets the leases of periods before `epoch`. */
  dropLeases(sinkId: string, beforeEpoch: number): Promise<void>;
  /** Gives up every period `holder` took (a controller stopping hands the sink over at once). */
  releaseLeases(sinkId: string, holder: string): Promise<void>;
}

/** One entry of the audit feed, oldest first (store.audit.feed). */
export interface AuditFeedEntry {
  /** Opaque, increasing: pass the last one seen back as `after`. */
  cursor: string;
  entry: AuditRecord;
}
