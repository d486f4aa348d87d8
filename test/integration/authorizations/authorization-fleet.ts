/**
 * A controller managing a fleet of real sshd hosts over SSH (agentless, switched to
 * managed), for the authorization suites: helpers to run jobs, wait, read files and log in.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostRecord } from '../../../controller/store/host-records';
import type { JobRecord } from '../../../controller/store/records';
import { sshLogin } from '../../helpers/sshd-client';
import type { FleetHost } from '../../helpers/sshd-fleet';
import type { TestController } from '../../helpers/test-controller';

const BIN = path.resolve(import.meta.dirname, '../../../bin/keywarden.mjs');

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 90_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export const ENDED = ['completed', 'failed', 'cancelled', 'expired'];

export function fleetApi(ctl: () => TestController) {
  const job = async (id: string) => (await ctl().api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
  const jobEnded = (id: string) =>
    waitFor(`job ${id}`, async () => {
      const j = await job(id);
      return ENDED.includes(j.state) ? j : null;
    });
  /** Ends when the job and every job under it have ended. */
  const treeEnded = async (id: string) => {
    const j = await jobEnded(id);
    const kids = await ctl().api<{ items: JobRecord[] }>(
      'GET',
      `/api/v1/jobs?parent=${id}&limit=500`,
    );
    for (const k of kids.body.items) {
      const e = await jobEnded(k.id);
      if (process.env.KWT_DEBUG) console.log(JSON.stringify(e, null, 1));
    }
    return j;
  };
  const runJob = async (type: string, hostId: string | null, params: Record<string, unknown>) => {
    const res = await ctl().api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params: hostId ? { hostId, ...params } : params },
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return jobEnded(res.body.job.id);
  };
  /** Adds the host with its password, waits until monitored, then switches it to managed. */
  const addManagedHost = async (h: FleetHost): Promise<string> => {
    const added = await ctl().api<{ host: HostRecord }>('POST', '/api/v1/hosts', {
      body: {
        address: h.address,
        port: h.port,
        managementAccount: h.account,
        password: h.password,
        hostKeyFingerprint: h.sshd.hostKeyFingerprint,
      },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const id = added.body.host.id;
    const state = async () =>
      (await ctl().api<HostRecord>('GET', `/api/v1/hosts/${id}`)).body.state;
    await waitFor(`host ${id} monitored`, async () => (await state()) === 'monitored');
    const res = await ctl().api<{ jobId: string }>('POST', `/api/v1/hosts/${id}/manage`);
    expect(res.status).toBe(202);
    expect(await jobEnded(res.body.jobId)).toMatchObject({ state: 'completed' });
    return id;
  };
  return { job, jobEnded, treeEnded, runJob, addManagedHost };
}

export function login(h: FleetHost, user: string, identityFile: string) {
  return sshLogin({ host: h.address, port: h.port, user, identityFile });
}

/** The real `keywarden` executable. */
export function keywarden(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
