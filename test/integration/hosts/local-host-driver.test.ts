/**
 * The host-driver seam end to end, with the local driver (test/helpers/local-host-driver.ts)
 * in place of a transport: a host job queued on a registered host runs through the real
 * engine and router, which read the host, pick the driver by its kind, and number the
 * attempt's operations (run-job.ts passes the step; no driver counts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFakeHost } from '../../helpers/agent-processes';
import { LocalHostDriver } from '../../helpers/local-host-driver';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';

describe('a host job through the router and a local driver', () => {
  let t: TestEngine;
  let root = '';
  let driver: LocalHostDriver;
  let publicKey = '';

  beforeAll(async () => {
    t = await startTestEngine();
    root = makeFakeHost('seam', ['alice']);
    mkdirSync(path.join(root, 'home/alice/.ssh'), { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(root, 'k')]);
    publicKey = readFileSync(path.join(root, 'k.pub'), 'utf8').trim();
    driver = new LocalHostDriver(() => root);
    t.hostRouter.use('agentless', driver);
    await t.store.hosts.createMany(
      [
        {
          id: 'h-local',
          name: 'local.example',
          address: '127.0.0.1',
          port: 22,
          kind: 'agentless',
          state: 'managed',
          hostKeyFingerprint: null,
          managementAccount: 'root',
          agentId: null,
          os: null,
          sshProduct: null,
          lastSeenAt: null,
        },
      ],
      Date.now(),
    );
  });

  afterAll(async () => {
    await t?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const runJob = async (type: string, params: unknown) => {
    const { job } = await t.queue.enqueueByName(type, params, {
      createdBy: 'test',
      trigger: 'admin',
      hostId: 'h-local',
    });
    return t.waitForState(job.id, ['completed', 'failed']);
  };

  it('runs an edit and its read-back as steps 0 and 1 of the attempt, on the host of its kind', async () => {
    const job = await runJob('add-authorized-key', { account: 'alice', publicKey });
    expect(job.state).toBe('completed');
    expect(readFileSync(path.join(root, 'home/alice/.ssh/authorized_keys'), 'utf8')).toContain(
      publicKey.split(' ')[1],
    );
    expect(driver.calls).toEqual([
      { operation: 'add-authorized-key', step: 0, hostId: 'h-local' },
      { operation: 'scan-authorized-keys', step: 1, hostId: 'h-local' },
    ]);
    // The edit's result came back to the job, which returns it.
    expect(job.result).toMatchObject({
      hostId: 'h-local',
      file: '/home/alice/.ssh/authorized_keys',
      created: true,
    });
  });

  it('numbers each attempt from 0 again', async () => {
    driver.calls.length = 0;
    const job = await runJob('scan-authorized-keys', {});
    expect(job.state).toBe('completed');
    expect(driver.calls).toEqual([
      { operation: 'scan-authorized-keys', step: 0, hostId: 'h-local' },
    ]);
  });

  it('refuses a driver operation the local driver does not implement, naming the host kind', async () => {
    driver.calls.length = 0;
    const job = await runJob('renew-mgmt-key', {});
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'INVALID_INPUT', retryable: false });
    expect(job.error?.message).toContain(
      'asked for renew-management-key, which the local driver does not implement: host local.example (h-local) is an agentless host',
    );
    expect(driver.calls).toEqual([]);
  });
});
