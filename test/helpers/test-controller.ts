/**
 * A real controller in this process, on a fresh embedded store or a MongoDB wire server
 * (FerretDB, or KEYWARDEN_TEST_MONGODB_URL), listening on a free loopback port with a
 * known admin token and the test-* fixture job types.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { generateSecret } from '../../controller/auth/tokens';
import type { ControllerServices } from '../../controller/controller-services';
import { loadConfig } from '../../controller/config/load-config';
import { startController } from '../../controller/start-controller';
import { startFerretDb } from './ferretdb';

export interface TestController {
  url: string;
  adminToken: string;
  services: ControllerServices;
  /** Calls the API; `token` defaults to the admin token (null sends none). */
  api<T = unknown>(
    method: string,
    path: string,
    opts?: { body?: unknown; token?: string | null },
  ): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startTestController(
  opts: {
    store?: 'sqlite' | 'mongodb';
    env?: Record<string, string>;
    /** The engine's clock (every job's ctx.now): a test moves it instead of waiting. */
    clock?: () => number;
  } = {},
): Promise<TestController> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-ctl-'));
  const mongo = opts.store === 'mongodb' ? await startFerretDb() : null;
  const adminToken = generateSecret();
  const config = loadConfig({
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_HTTP_ADDR: '127.0.0.1:0',
    // A gateway of its own on free ports: controllers of parallel suites do not contend
    // for 8443 (the loser's gateway monitor would raise a "gateway down" alert).
    KEYWARDEN_GRPC_ADDR: '127.0.0.1:0',
    KEYWARDEN_ENROLL_ADDR: '127.0.0.1:0',
    KEYWARDEN_ADMIN_TOKEN: adminToken,
    KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true',
    KEYWARDEN_POLL_INTERVAL: '50ms',
    KEYWARDEN_SCHEDULER_TICK: '100ms',
    KEYWARDEN_LEASE: '5s',
    ...(mongo ? { KEYWARDEN_STORE: mongo.url } : {}),
    ...opts.env,
  });
  const log = pino({ level: process.env.KEYWARDEN_TEST_LOG ?? 'silent' });
  let ctl;
  try {
    ctl = await startController(config, log, opts.clock ? { clock: opts.clock } : {});
  } catch (err) {
    await mongo?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const running = ctl;
  return {
    url: running.httpUrl,
    adminToken,
    services: running.services,
    async api<T>(method: string, p: string, o: { body?: unknown; token?: string | null } = {}) {
      const token = o.token === undefined ? adminToken : o.token;
      const res = await fetch(`${running.httpUrl}${p}`, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON (metrics, docs): the text itself.
      }
      return { status: res.status, body: body as T, headers: res.headers };
    },
    async stop() {
      await running.stop();
      await mongo?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
