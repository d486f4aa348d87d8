/**
 * Audit entries for refusals a caller can repeat at will: an unauthenticated peer sending
 * enrollments, a revoked agent reconnecting in a loop, a client guessing API tokens. One row per key (a peer address, an
 * agent) per window, not one per refusal: the first refusal of a window is written at once
 * (an operator sees it without waiting), the repeats are counted and written as one summary
 * row when the window closes. Keys are bounded: past `maxKeys`, new keys share one
 * overflow row, so many addresses cannot grow memory or the audit either.
 */
import type { Logger } from 'pino';
import type { AuditRecord } from '../store/records';
import type { AuditRepository } from '../store/store';

export type WindowedEntry = Omit<AuditRecord, 'id'>;

interface Window {
  startedAt: number;
  repeats: number;
  lastAt: number;
  last: WindowedEntry;
  /** How often each reason was given in the window (a few distinct reasons are kept). */
  reasons: Map<string, number>;
}

const MAX_REASONS = 8;
const OVERFLOW_KEY = '\u0000overflow';

/** A subject or detail a caller chose, cut to a size an audit row can hold. */
export function truncated(v: string, max = 64): string {
  return v.length <= max ? v : `${v.slice(0, max)}… (${v.length} chars)`;
}

export class WindowedAudit {
  private readonly windows = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly audit: AuditRepository,
    private readonly log: Logger,
    private readonly limits: { windowMs: number; maxKeys: number } = {
      windowMs: 60_000,
      maxKeys: 10_000,
    },
  ) {
    this.timer = setInterval(
      () => this.closeWindows(Date.now()),
      Math.min(limits.windowMs, 10_000),
    );
    this.timer.unref();
  }

  /**
   * Records one refusal under `key`; resolves once a row written now is stored, with true
   * when this refusal opened a window (callers log only those, for the same reason).
   */
  async record(key: string, entry: WindowedEntry): Promise<boolean> {
    let k = key;
    if (!this.windows.has(k) && this.windows.size >= this.limits.maxKeys) k = OVERFLOW_KEY;
    const reason = String(entry.details.reason ?? '');
    const w = this.windows.get(k);
    if (w && entry.at - w.startedAt < this.limits.windowMs) {
      w.repeats += 1;
      w.lastAt = entry.at;
      w.last = entry;
      if (w.reasons.has(reason) || w.reasons.size < MAX_REASONS)
        w.reasons.set(reason, (w.reasons.get(reason) ?? 0) + 1);
      return false;
    }
    if (w) this.writeSummary(w);
    this.windows.set(k, {
      startedAt: entry.at,
      repeats: 0,
      lastAt: entry.at,
      last: entry,
      reasons: new Map(),
    });
    const first =
      k === OVERFLOW_KEY
        ? { ...entry, subject: 'many-callers', details: { ...entry.details, overflow: true } }
        : entry;
    await this.write(first);
    return true;
  }

  /** Writes the summaries of windows that have closed. */
  closeWindows(now: number): void {
    for (const [k, w] of this.windows) {
      if (now - w.startedAt < this.limits.windowMs) continue;
      this.windows.delete(k);
      this.writeSummary(w);
    }
  }

  /** Writes every open window's summary (at shutdown) and waits for the writes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const w of this.windows.values()) this.writeSummary(w);
    this.windows.clear();
    await Promise.all([...this.inflight]);
  }

  private writeSummary(w: Window): void {
    if (w.repeats === 0) return;
    void this.write({
      ...w.last,
      at: w.lastAt,
      details: {
        ...w.last.details,
        repeats: w.repeats,
        windowStartedAt: w.startedAt,
        reasons: Object.fromEntries(w.reasons),
      },
    });
  }

  private write(e: WindowedEntry): Promise<void> {
    const p = this.audit.append(e).then(
      () => undefined,
      (err: unknown) => this.log.warn({ err, action: e.action }, 'writing a refusal audit failed'),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }
}
