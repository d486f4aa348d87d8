/**
 * Two controllers on one store with the same sink: one exports it (the lease), the other
 * stands by; when the first stops, the second takes over from the stored cursor. Every
 * event is written once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExportService } from '../../../controller/export/export-service';
import type { SinkConfig } from '../../../controller/export/sink-config';
import { openStore } from '../../../controller/store/open-store';
import type { Store } from '../../../controller/store/store';

describe('one exporter per sink across controllers', () => {
  let dir = '';
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-export-two-'));
    a = await openStore(`sqlite:${join(dir, 'keywarden.db')}`);
    b = await openStore(`sqlite:${join(dir, 'keywarden.db')}`);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends each event once, and the standby takes over when the holder stops', async () => {
    const file = join(dir, 'events.log');
    const sink: SinkConfig = {
      id: 'shared',
      format: 'cef',
      url: `file://${file}`,
      feeds: ['audit'],
      batchSize: 5,
    };
    const log = pino({ level: 'silent' });
    const opts = { pollMs: 20, leaseMs: 1000 };
    const one = new ExportService(a, [sink], log, opts);
    const two = new ExportService(b, [sink], log, opts);
    one.start();
    two.start();
    const states = () => [one, two].map((s) => s.statuses()[0]?.state).sort();
    await vi.waitFor(() => expect(states()).toEqual(['idle', 'standby']), { timeout: 10_000 });
    const write = async (from: number, to: number) => {
      for (let i = from; i < to; i++)
        await a.audit.append({
          at: Date.now(),
          actor: 'admin:test',
          action: 'two.test',
          subject: `t${i}`,
          details: {},
        });
    };
    const subjects = async () =>
      [...(await readFile(file, 'utf8').catch(() => '')).matchAll(/cs1=(t\d+)/g)].map((m) => m[1]);
    await write(0, 30);
    await vi.waitFor(async () => expect(await subjects()).toHaveLength(30), { timeout: 10_000 });
    const holder = one.statuses()[0]?.state === 'standby' ? two : one;
    const other = holder === one ? two : one;
    await holder.stop();
    await write(30, 60);
    await vi.waitFor(async () => expect(await subjects()).toHaveLength(60), { timeout: 15_000 });
    await other.stop();
    expect(await subjects()).toEqual(Array.from({ length: 60 }, (_, i) => `t${i}`));
  });
});
