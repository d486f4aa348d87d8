/**
 * A controller whose inventory a real scan-full of a real sshd filled: a key authorized for
 * two accounts and stored as one account's private key, a hand-written line with options,
 * a line Keywarden added (add-authorized-key), and a login in the auth log. The scheduler
 * robot is off, so scan schedules move only when update-job-intervals runs.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { JobRecord } from '../../../controller/store/records';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestController, type TestController } from '../../helpers/test-controller';
import type { Connection } from '../../../controller/inventory/host-target';
import { hostIdOf, rootConnection, type ClientKey } from '../jobs/host-job-harness';

const BIN = path.resolve(import.meta.dirname, '../../../bin/keywarden.mjs');

export interface ScannedHost {
  sshd: TestSshd;
  ctl: TestController;
  shared: ClientKey;
  other: ClientKey;
  added: ClientKey;
  /** The inventory id the scan kept its findings under (`ssh:127.0.0.1:<port>`). */
  hostId: string;
  alice: string;
  bob: string;
  tokens: { auditor: string; operator: string };
  /** Queues a job as the admin and waits until it has ended. */
  runJob(type: string, params: unknown): Promise<JobRecord>;
  /** How jobs reach the sshd as root (params.connection). */
  connection: Connection;
  stop(): Promise<void>;
}

/** Waits (with a generous bound, for a loaded machine) until the job has ended. */
export async function jobEnded(ctl: TestController, id: string): Promise<JobRecord> {
  const until = Date.now() + 180_000;
  for (;;) {
    const job = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
    if (['completed', 'failed', 'cancelled', 'expired'].includes(job.state)) return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The real `keywarden` executable against this controller. */
export function keywarden(ctl: TestController, args: string[], token: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: token } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export async function startScannedHost(store: 'sqlite' | 'mongodb'): Promise<ScannedHost> {
  const keyDir = await mkdtemp(path.join(tmpdir(), 'kwt-inv-'));
  const root = await generateClientKey(keyDir, 'root');
  const shared = await generateClientKey(keyDir, 'shared');
  const other = await generateClientKey(keyDir, 'other', 'ecdsa');
  const added = await generateClientKey(keyDir, 'added');
  const sshd = await startTestSshd({
    rootAuthorizedKeys: `${root.publicKey}\n`,
    users: [
      {
        name: 'alice',
        authorizedKeys: `${shared.publicKey}\nfrom="127.0.0.1",no-pty ${other.publicKey}\n`,
      },
      { name: 'bob', authorizedKeys: `${shared.publicKey}\n` },
    ],
  });
  let ctl: TestController | undefined;
  const stop = async () => {
    await ctl?.stop();
    await sshd.stop();
    await rm(keyDir, { recursive: true, force: true });
  };
  try {
    const alice = sshd.user('alice').name;
    const b = sshd.user('bob');
    // bob keeps the private half of the key that opens both accounts.
    const id = path.join(b.home, '.ssh', 'id_ed25519');
    await mkdir(path.dirname(id), { recursive: true });
    await copyFile(shared.path, id);
    await chmod(id, 0o600);
    await chown(id, b.uid, b.gid);

    ctl = await startTestController({
      store,
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]) },
    });
    const c = ctl;
    const tokens = { auditor: '', operator: '' };
    for (const role of ['auditor', 'operator'] as const)
      tokens[role] = (
        await c.api<{ secret: string }>('POST', '/api/v1/tokens', { body: { name: role, role } })
      ).body.secret;
    await c.api('PATCH', '/api/v1/robots/internal-scheduler', { body: { enabled: false } });

    const runJob = async (type: string, params: unknown) => {
      const res = await c.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
        body: { type, params },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return jobEnded(c, res.body.job.id);
    };
    const connection = await rootConnection(sshd, root);
    const login = await sshLogin({
      host: sshd.address,
      port: sshd.port,
      user: alice,
      identityFile: shared.path,
    });
    expect(login.code).toBe(0);
    await sshd.waitForLog(new RegExp(`Accepted publickey for ${alice} from 127\\.0\\.0\\.1`));
    const add = await runJob('add-authorized-key', {
      connection,
      sshdConfigPath: sshd.configPath,
      account: alice,
      publicKey: added.publicKey,
    });
    expect(add.state).toBe('completed');
    const scan = await runJob('scan-full', {
      connection,
      sshdConfigPath: sshd.configPath,
      logFiles: [sshd.logPath],
    });
    expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
    return {
      sshd,
      ctl: c,
      shared,
      other,
      added,
      hostId: hostIdOf(connection),
      alice,
      bob: b.name,
      tokens,
      runJob,
      connection,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
