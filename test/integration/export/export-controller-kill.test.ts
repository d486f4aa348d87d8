/**
 * The export survives a controller killed mid-stream (SIGKILL, no stop): a real controller
 * process sends audit events to a real TCP syslog receiver; it is killed, events keep being
 * written, a new controller resumes from the cursor stored after the last acknowledged
 * batch. Every event arrives; the only possible copies are of the one batch acknowledged
 * but not yet recorded when the process died, and they carry the same event id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../../controller/store/open-store';
import type { Store } from '../../../controller/store/store';
import { spawnController, type ControllerProcess } from '../../helpers/controller-process';
import { syslogListener, type SyslogListener } from './syslog-listener';

const BATCH = 10;

describe('SIEM export across a controller killed mid-stream', () => {
  let dir = '';
  let store: Store;
  let listener: SyslogListener;
  let ctl: ControllerProcess | undefined;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-export-kill-'));
    listener = syslogListener({});
    await listener.start();
    env = {
      KEYWARDEN_DATA_DIR: dir,
      KEYWARDEN_GRPC_ADDR: '127.0.0.1:0',
      KEYWARDEN_EXPORT_SINKS: JSON.stringify([
        {
          id: 'siem',
          format: 'cef',
          url: `syslog+tcp://127.0.0.1:${listener.port}`,
          feeds: ['audit'],
          batchSize: BATCH,
          // The killed controller's lease ends soon after, for the next one to take over.
          leaseSeconds: 2,
        },
      ]),
    };
    // The test writes audit entries into the controller's store from beside it.
    store = await openStore(`sqlite:${join(dir, 'keywarden.db')}`);
  });

  afterAll(async () => {
    await ctl?.kill('SIGKILL');
    await listener?.stop();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (from: number, to: number) => {
    for (let i = from; i < to; i++)
      await store.audit.append({
        at: Date.now(),
        actor: 'admin:test',
        action: 'kill.test',
        subject: `k${i}`,
        details: { i },
      });
  };

  it('delivers every event, copies only of the batch in flight at the kill', async () => {
    ctl = await spawnController(env);
    // The sink has started (its first cursor is stored at the end of the feed).
    await vi.waitFor(async () => expect(await store.exportCursors.get('siem')).not.toBeNull(), {
      timeout: 30_000,
      interval: 100,
    });
    await write(0, 300);
    await vi.waitFor(() => expect(listener.received.length).toBeGreaterThanOrEqual(60), {
      timeout: 30_000,
      interval: 20,
    });
    await ctl.kill('SIGKILL');
    ctl = undefined;
    const atKill = listener.received.length;
    await write(300, 350);
    ctl = await spawnController(env);
    const mine = async () =>
      new Set(
        (await store.audit.feed(undefined, 5000))
          .filter((e) => e.entry.action === 'kill.test')
          .map((e) => `audit-${e.cursor}`),
      );
    const expected = await mine();
    expect(expected.size).toBe(350);
    const got = () => listener.received.map((m) => m.eventId).filter((id) => expected.has(id));
    await vi.waitFor(() => expect(new Set(got()).size).toBe(350), {
      timeout: 60_000,
      interval: 100,
    });
    expect(atKill).toBeLessThan(350);
    expect(got().length - 350).toBeLessThanOrEqual(BATCH);
  });
});
