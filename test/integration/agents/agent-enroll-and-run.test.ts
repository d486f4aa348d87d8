/**
 * One controller and real agent processes: enrollment with an ICB (and its refusals),
 * discovery of the host from the agent's facts, and a host job run over the stream.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';
import {
  freePort,
  makeFakeHost,
  spawnAgent,
  waitFor,
  type AgentProcess,
} from '../../helpers/agent-processes';

describe('agents: enroll, discover, run a job', () => {
  let ctl: TestController;
  const agents: AgentProcess[] = [];
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'kw-agents-'));
    ctl = await startTestController({
      env: {
        KEYWARDEN_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
        KEYWARDEN_ENROLL_ADDR: `127.0.0.1:${await freePort()}`,
        KEYWARDEN_AGENT_ADVERTISE: '127.0.0.1',
      },
    });
  });
  afterAll(async () => {
    for (const a of agents) await a.kill('SIGKILL');
    await ctl?.stop();
  });

  const newIcb = async (body: Record<string, unknown> = {}) => {
    const res = await ctl.api<{ icb: unknown; icbId: string }>('POST', '/api/v1/icb', {
      body: { heartbeatIntervalMs: 1000, ...body },
    });
    expect(res.status).toBe(201);
    const file = path.join(work, `${res.body.icbId}.icb`);
    writeFileSync(file, JSON.stringify(res.body.icb));
    return file;
  };

  it('enrolls with an ICB, is discovered as a monitored agent host, and runs a host job', async () => {
    const icb = await newIcb();
    const hostRoot = makeFakeHost('a1', ['alice', 'bob']);
    const state = path.join(work, 'state-a1');
    const enroll = spawnAgent(['enroll', '--icb', icb, '--state-dir', state]);
    expect(await enroll.exited, enroll.output()).toBe(0);
    expect(enroll.output()).toMatch(/enrolled as agt_/);
    const agentId = /enrolled as (agt_\w+)/.exec(enroll.output())![1]!;
    const run = spawnAgent(['run', '--state-dir', state, '--root-prefix', hostRoot], {
      KEYWARDEN_AGENT_HOSTNAME: 'web-01',
    });
    agents.push(run);
    const host = await waitFor(
      () => `the agent host to be monitored:\n${run.output()}`,
      async () => {
        const page = await ctl.services.store.hosts.list({ kind: 'agent' }, { limit: 10 });
        return page.items.find((h) => h.agentId === agentId && h.state === 'monitored');
      },
    );
    expect(host.name).toBe('web-01');
    const { job } = await ctl.services.queue.enqueue(
      'test-host-operation',
      { operation: 'list-accounts' },
      { createdBy: 'test', trigger: 'admin', hostId: host.id },
    );
    const done = await waitFor('the job to complete', async () => {
      const j = await ctl.services.store.jobs.get(job.id);
      return j && ['completed', 'failed'].includes(j.state) ? j : null;
    });
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    const names = (done.result as { accounts: Array<{ name: string }> }).accounts.map(
      (a) => a.name,
    );
    expect(names).toEqual(expect.arrayContaining(['alice', 'bob']));
    const stored = await ctl.services.store.agentFleet.results.get({
      jobId: job.id,
      attempt: done.attempts,
      step: 0,
    });
    expect(stored).toMatchObject({ ok: true, hostId: host.id, agentId });
    // Discovery queued the host's first full scan (scan-full is registered).
    const scans = await ctl.services.store.jobs.list(
      { type: ['scan-full'], hostId: host.id },
      { limit: 5 },
    );
    expect(scans.items).toHaveLength(1);

    // The same ICB again: its token is spent.
    const again = spawnAgent([
      'enroll',
      '--icb',
      icb,
      '--state-dir',
      path.join(work, 'state-again'),
    ]);
    expect(await again.exited).toBe(1);
    expect(again.output()).toMatch(/ENROLLMENT_REFUSED: the enrollment token was already used/);
    const audit = await ctl.services.store.audit.list(
      { action: 'agent.enrollment-refused' },
      { limit: 10 },
    );
    expect(audit.items).toHaveLength(1);
  });

  it('refuses an altered ICB before contacting the controller', async () => {
    const icb = await newIcb();
    const doc = JSON.parse(readFileSync(icb, 'utf8')) as { payload: { controllers: string[] } };
    doc.payload.controllers = ['evil.example:8443'];
    writeFileSync(icb, JSON.stringify(doc));
    const p = spawnAgent(['enroll', '--icb', icb, '--state-dir', path.join(work, 'state-altered')]);
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/ENROLLMENT_REFUSED: the ICB file was altered/);
  });
});
