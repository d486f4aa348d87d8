/**
 * One sink's export loop. It reads a batch from a feed after the sink's cursor, formats
 * it, hands it to the sink and, only once the sink acknowledged it, stores the cursor; then
 * the next batch. The batch is the bounded in-memory queue: while a sink is slow or down
 * the feed is not read further (backpressure), and a failed batch is sent again with
 * backoff. A restart resumes after the last acknowledged event: nothing is lost; an event
 * acknowledged but not yet recorded (a crash between the two) is sent again with the same
 * event id (at least once; docs/siem-export.md).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ExportCursorRecord } from '../store/retirement-records';
import type { Store } from '../store/store';
import { formatCef } from './cef-format';
import { alertExportEvent, auditExportEvent, SEVERITY, type ExportEvent } from './export-event';
import type { ExportMessage, ExportSink } from './export-sink';
import { formatOcsf } from './ocsf-format';
import type { SinkConfig } from './sink-config';

type Feed = 'alerts' | 'audit';
type Source = Pick<Store, 'alerts' | 'audit' | 'exportCursors'>;

export interface SinkStatus {
  id: string;
  url: string;
  format: SinkConfig['format'];
  feeds: Feed[];
  /** `standby`: another controller holds the sink's lease and exports it. */
  state: 'starting' | 'idle' | 'sending' | 'retrying' | 'standby' | 'stopped';
  delivered: number;
  lastDeliveredAt: number | null;
  lastError: string | null;
  cursors: { alerts: string | null; audit: string | null };
}

const MAX_BACKOFF_MS = 30_000;

export class SinkRunner {
  readonly status: SinkStatus;
  private readonly abort = new AbortController();
  private done: Promise<void> | null = null;
  private readonly batchSize: number;
  /** This runner, as a lease holder. */
  private readonly holder = randomUUID();

  constructor(
    private readonly store: Source,
    private readonly config: SinkConfig,
    private readonly sink: ExportSink,
    private readonly log: Logger,
    private readonly pollMs = 1000,
    /** How long one export lease lasts (see holdLease). */
    private leaseMs = 30_000,
  ) {
    this.batchSize = config.batchSize ?? 200;
    if (config.leaseSeconds) this.leaseMs = config.leaseSeconds * 1000;
    this.status = {
      id: config.id,
      url: config.url,
      format: config.format,
      feeds: config.feeds ?? ['alerts', 'audit'],
      state: 'starting',
      delivered: 0,
      lastDeliveredAt: null,
      lastError: null,
      cursors: { alerts: null, audit: null },
    };
  }

  start(): void {
    this.done ??= this.loop().catch((err: unknown) => {
      if (!this.abort.signal.aborted)
        this.log.error({ err, sink: this.config.id }, 'export stopped');
    });
  }

  /** Lets a batch in flight finish and be recorded, then closes the sink. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
    this.status.state = 'stopped';
    // Handed over at once: a standby (or this controller restarted) need not wait the lease out.
    await this.store.exportCursors
      .releaseLeases(this.config.id, this.holder)
      .catch(() => undefined);
    await this.sink.close().catch(() => undefined);
  }

  /**
   * The store failing (a read, or storing the cursor) is retried like a sink failing: the
   * loop starts again from the stored cursor, so at worst an acknowledged batch is resent.
   */
  private async loop(): Promise<void> {
    let backoff = 500;
    while (!this.abort.signal.aborted) {
      try {
        await this.export();
        return;
      } catch (err) {
        this.status.state = 'retrying';
        this.status.lastError = `store: ${(err as Error).message}`;
        this.log.warn({ sink: this.config.id, err: (err as Error).message }, 'export paused');
        await this.sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  private async export(): Promise<void> {
    let cursor: ExportCursorRecord | null = null;
    while (!this.abort.signal.aborted) {
      // Another controller exports this sink: stand by, and take its cursor on taking over.
      if (!(await this.holdLease())) {
        this.status.state = 'standby';
        cursor = null;
        await this.sleep(Math.min(this.pollMs * 5, this.leaseMs / 4));
        continue;
      }
      cursor ??= await this.firstCursor();
      let sent = false;
      for (const feed of this.status.feeds) {
        if (this.abort.signal.aborted) break;
        const events = await this.read(feed, cursor[feed] ?? undefined);
        const last = events.at(-1);
        if (!last) continue;
        this.status.state = 'sending';
        if (!(await this.deliver(events.map((e) => this.message(e))))) break;
        cursor = { ...cursor, [feed]: last.cursor, updatedAt: Date.now() };
        await this.store.exportCursors.put(cursor);
        this.status.cursors = { alerts: cursor.alerts, audit: cursor.audit };
        this.status.delivered += events.length;
        this.status.lastDeliveredAt = Date.now();
        sent = true;
      }
      if (!sent && !this.abort.signal.aborted) {
        this.status.state = 'idle';
        await this.sleep(this.pollMs);
      }
    }
  }

  /** The stored cursors; on the first run, the end of each feed (or its start, to replay). */
  private async firstCursor(): Promise<ExportCursorRecord> {
    const stored = await this.store.exportCursors.get(this.config.id);
    if (stored) {
      this.status.cursors = { alerts: stored.alerts, audit: stored.audit };
      return stored;
    }
    const rec: ExportCursorRecord = {
      sinkId: this.config.id,
      alerts: this.config.replay ? null : await this.end('alerts'),
      audit: this.config.replay ? null : await this.end('audit'),
      updatedAt: Date.now(),
    };
    // Kept at once: a restart must not take a later "end" and skip what came in between.
    await this.store.exportCursors.put(rec);
    this.status.cursors = { alerts: rec.alerts, audit: rec.audit };
    return rec;
  }

  private async end(feed: Feed): Promise<string | null> {
    let at: string | undefined;
    for (;;) {
      const page = await this.read(feed, at, 1000);
      const last = page.at(-1);
      if (!last) return at ?? null;
      at = last.cursor;
    }
  }

  private async read(feed: Feed, after: string | undefined, limit = this.batchSize) {
    if (feed === 'alerts')
      return (await this.store.alerts.events(after, limit)).map(alertExportEvent);
    return (await this.store.audit.feed(after, limit)).map((e) =>
      auditExportEvent(e.cursor, e.entry),
    );
  }

  private message(e: ExportEvent): ExportMessage {
    const text = this.config.format === 'cef' ? formatCef(e) : JSON.stringify(formatOcsf(e));
    const severity = e.feed === 'alerts' ? (SEVERITY[e.alert.alert.severity]?.syslog ?? 5) : 5;
    return { id: e.id, text, kind: e.feed === 'alerts' ? 'alert' : 'audit', severity, at: e.at };
  }

  /**
   * One exporter per sink across controllers: the lease of the current period (a unique
   * insert), and of the next one past half of it, so the holder keeps the sink while it
   * runs and another controller takes over within a period of it stopping.
   */
  private async holdLease(): Promise<boolean> {
    const now = Date.now();
    const epoch = Math.floor(now / this.leaseMs);
    const leases = this.store.exportCursors;
    if (!(await leases.takeLease(this.config.id, epoch, this.holder, now))) return false;
    if (now - epoch * this.leaseMs > this.leaseMs / 2) {
      await leases.takeLease(this.config.id, epoch + 1, this.holder, now);
      await leases.dropLeases(this.config.id, epoch - 1);
    }
    return true;
  }

  /** Sends until acknowledged; false when stopped first, or when the lease went elsewhere. */
  private async deliver(batch: ExportMessage[]): Promise<boolean> {
    let backoff = 500;
    for (;;) {
      if (!(await this.holdLease())) return false;
      try {
        await this.sink.send(batch);
        this.status.lastError = null;
        return true;
      } catch (err) {
        this.status.state = 'retrying';
        this.status.lastError = (err as Error).message;
        this.log.warn(
          { sink: this.config.id, err: (err as Error).message },
          'export batch not delivered; retrying',
        );
        if (this.abort.signal.aborted) return false;
        await this.sleep(backoff);
        if (this.abort.signal.aborted) return false;
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}
