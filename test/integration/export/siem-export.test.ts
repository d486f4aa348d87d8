/**
 * SIEM export to a real syslog receiver (TCP with octet counting, and TLS) that goes down
 * mid-stream and comes back, and across a restart of the exporter on the same store: every
 * event arrives; the only copies are of the one batch in flight when the receiver died
 * (at least once, each message carries its event id for the receiver to drop the copy);
 * none across the restart, whose cursor was stored only after the receiver had the batch.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExportService } from '../../../controller/export/export-service';
import type { SinkConfig } from '../../../controller/export/sink-config';
import { openStore } from '../../../controller/store/open-store';
import type { Store } from '../../../controller/store/store';
import { syslogListener, type SyslogListener } from './syslog-listener';

const run = promisify(execFile);
const log = pino({ level: process.env.KEYWARDEN_TEST_LOG ?? 'silent' });
const BATCH = 20;

describe.each([
  { transport: 'tcp', format: 'cef' },
  { transport: 'tls', format: 'ocsf' },
] as const)('SIEM export over syslog $transport as $format', ({ transport, format }) => {
  let dir = '';
  let store: Store;
  let listener: SyslogListener;
  let tlsFiles: { cert: string; key: string } | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-export-'));
    if (transport === 'tls') {
      tlsFiles = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-days',
        '1',
        '-keyout',
        tlsFiles.key,
        '-out',
        tlsFiles.cert,
      ]);
    }
    listener = syslogListener(
      tlsFiles
        ? { tls: { cert: await readFile(tlsFiles.cert), key: await readFile(tlsFiles.key) } }
        : {},
    );
    await listener.start();
    store = await openStore(`sqlite:${join(dir, 'keywarden.db')}`);
  });

  afterAll(async () => {
    await listener?.stop();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sink = (): SinkConfig => ({
    id: `siem-${transport}`,
    format,
    url: `syslog+${transport}://127.0.0.1:${listener.port}`,
    batchSize: BATCH,
    ...(tlsFiles ? { caFile: tlsFiles.cert, serverName: 'localhost' } : {}),
  });
  const audit = (i: number) =>
    store.audit.append({
      at: Date.now(),
      actor: 'admin:test',
      action: 'test.event',
      subject: `e${i}`,
      details: { i },
    });
  const ids = () => listener.received.map((m) => m.eventId);

  it('delivers every event through a receiver outage and an exporter restart', async () => {
    // History before the first run is not sent (a new sink starts at the end of the feeds).
    await audit(-1);
    let service = new ExportService(store, [sink()], log, { pollMs: 50 });
    service.start();
    await vi.waitFor(() => expect(service.statuses()[0]?.state).toBe('idle'), { timeout: 10_000 });

    const expected: string[] = [];
    const alert = await store.alerts.raise(
      {
        type: 'policy',
        severity: 'critical',
        subject: 'h1',
        message: 'root | key=x',
        dedupeKey: 'p:1',
        context: { hostName: 'web-1', account: 'root', policyId: 'p1' },
      },
      Date.now(),
    );
    expect(alert.created).toBe(true);
    for (let i = 0; i < 60; i++) await audit(i);
    await vi.waitFor(() => expect(ids().length).toBeGreaterThanOrEqual(30), { timeout: 20_000 });

    // The receiver goes down mid-stream; events keep coming.
    await listener.stop();
    for (let i = 60; i < 120; i++) await audit(i);
    await vi.waitFor(() => expect(service.statuses()[0]?.state).toBe('retrying'), {
      timeout: 20_000,
    });
    const beforeOutage = ids().length;
    await listener.start();
    await vi.waitFor(() => expect(new Set(ids()).size).toBe(121), {
      timeout: 60_000,
      interval: 100,
    });
    expect(ids().length).toBeGreaterThan(beforeOutage);

    // The exporter (the controller) restarts: stopped with nothing in flight, events come
    // in while it is down, a new one resumes from the stored cursor.
    await service.stop();
    const seen = ids().length;
    for (let i = 120; i < 150; i++) await audit(i);
    service = new ExportService(store, [sink()], log, { pollMs: 50 });
    service.start();
    await vi.waitFor(() => expect(new Set(ids()).size).toBe(151), { timeout: 30_000 });
    await service.stop();

    const feed = await store.audit.feed(undefined, 1000);
    for (const e of feed) if (e.entry.subject !== 'e-1') expected.push(`audit-${e.cursor}`);
    const events = await store.alerts.events(undefined, 10);
    expected.push(...events.map((e) => `alert-${e.cursor}`));
    expect(new Set(ids())).toEqual(new Set(expected));
    // Copies only of the batch the outage cut, and none after the restart.
    const copies = ids().length - new Set(ids()).size;
    expect(copies).toBeLessThanOrEqual(BATCH);
    const after = ids().slice(seen);
    expect(after).toHaveLength(30);
    expect(new Set(after).size).toBe(30);
    // The message is the event in the sink's format, with its id.
    const line = listener.received.find((m) => m.eventId.startsWith('alert-'))?.line ?? '';
    if (format === 'cef') {
      expect(line).toMatch(
        /CEF:0\|Keywarden\|Keywarden\|[^|]+\|alert:policy:raised\|root \\\| key=x\|9\|/,
      );
      expect(line).toContain(`externalId=${events[0]?.cursor ? `alert-${events[0].cursor}` : ''}`);
      expect(line).toContain('dhost=web-1 duser=root');
    } else {
      const json = JSON.parse(line.slice(line.indexOf('\ufeff') + 1)) as Record<string, unknown>;
      expect(json).toMatchObject({
        class_uid: 2004,
        activity_id: 1,
        severity_id: 5,
        metadata: { uid: `alert-${events[0]?.cursor}` },
        finding_info: { uid: alert.alert.id, types: ['policy'] },
        device: { hostname: 'web-1' },
      });
    }
  });
});
