/**
 * The store failing under the exporter (a cursor write refused, as a busy or unreachable
 * store does) pauses the sink and resumes from the stored cursor: nothing is lost, and
 * the batch whose cursor was not stored is the only one sent again. The failure is
 * injected (a real store cannot be made to refuse one write on cue); the rest is real.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExportService } from '../../../controller/export/export-service';
import { openStore } from '../../../controller/store/open-store';
import type { Store } from '../../../controller/store/store';

describe('SIEM export when the store fails', () => {
  let dir = '';
  let store: Store;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-export-store-'));
    store = await openStore(`sqlite:${join(dir, 'keywarden.db')}`);
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pauses, then resumes from the stored cursor without losing an event', async () => {
    let refuse = 0;
    const flaky = {
      ...store,
      exportCursors: {
        ...store.exportCursors,
        put: async (rec: Parameters<Store['exportCursors']['put']>[0]) => {
          if (refuse > 0) {
            refuse -= 1;
            throw new Error('store unavailable');
          }
          return store.exportCursors.put(rec);
        },
      },
    } as Store;
    const file = join(dir, 'events.log');
    const service = new ExportService(
      flaky,
      [{ id: 'f', format: 'cef', url: `file://${file}`, feeds: ['audit'], batchSize: 5 }],
      pino({ level: 'silent' }),
      { pollMs: 20 },
    );
    service.start();
    await vi.waitFor(() => expect(service.statuses()[0]?.state).toBe('idle'), { timeout: 10_000 });
    refuse = 1;
    for (let i = 0; i < 20; i++)
      await store.audit.append({
        at: Date.now(),
        actor: 'admin:test',
        action: 'store.fail',
        subject: `s${i}`,
        details: {},
      });
    const subjects = async () =>
      [...(await readFile(file, 'utf8').catch(() => '')).matchAll(/cs1=(s\d+)/g)].map((m) => m[1]);
    await vi.waitFor(async () => expect(new Set(await subjects()).size).toBe(20), {
      timeout: 20_000,
      interval: 50,
    });
    await service.stop();
    expect(refuse).toBe(0);
    const all = await subjects();
    // The first batch was written but its cursor refused: it alone is written twice.
    expect(all.length).toBeLessThanOrEqual(25);
    expect(all.slice(-5)).toEqual(['s15', 's16', 's17', 's18', 's19']);
  });
});
