/**
 * Trust in agents under a real controller process: deleting a host (or an admin's revoke)
 * revokes its agent, whose open stream is closed and whose every later call is refused
 * and audited once per window; a certificate a renewal replaced works for the grace only;
 * a result for an operation never assigned is refused; an enrollment flood with oversized
 * fields is refused clearly, throttled, and leaves a bounded audit.
 *
 * Where the test plays the agent itself (a forged result, a copy of a replaced
 * certificate), it speaks the agent protocol with grpc-js and the agent's own files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentServiceClient,
  EnrollmentServiceClient,
  type ControllerMessage,
  type EnrollResponse,
  type JobResult,
  type RenewCertificateResponse,
} from '../../../shared/proto/gen/keywarden/agent/v1/agent';
import { fromGrpcError } from '../../../shared/proto/grpc-errors';
import { HOST_OPERATION_CAPABILITY } from '../../../shared/proto/host-operation-message';
import { readIcb } from '../../../shared/proto/icb-format';
import { createCsr, generateKeyPair, privateKeyToPem } from '../../../shared/proto/pem-keys';
import { logLines, startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';
import { waitFor } from '../../helpers/agent-processes';

const GRACE_MS = 4000;

interface AuditItem {
  action: string;
  subject: string;
  actor: string;
  at: number;
  details: Record<string, unknown>;
}

interface Credentials {
  ca: string;
  key: string;
  cert: string;
}

const readCredentials = (stateDir: string): Credentials => ({
  ca: readFileSync(path.join(stateDir, 'ca.crt'), 'utf8'),
  key: readFileSync(path.join(stateDir, 'agent.key'), 'utf8'),
  cert: readFileSync(path.join(stateDir, 'agent.crt'), 'utf8'),
});

const controllerOf = (stateDir: string): string =>
  (
    JSON.parse(readFileSync(path.join(stateDir, 'identity.json'), 'utf8')) as {
      controllers: string[];
    }
  ).controllers[0]!;

const agentClient = (addr: string, c: Credentials) =>
  new AgentServiceClient(
    addr,
    grpc.credentials.createSsl(Buffer.from(c.ca), Buffer.from(c.key), Buffer.from(c.cert)),
  );

/** A RenewCertificate call as the agent makes it: a new key, the current certificate. */
async function renew(addr: string, c: Credentials): Promise<Credentials> {
  const keys = await generateKeyPair();
  const csrPem = await createCsr(keys, 'keywarden-agent');
  const client = agentClient(addr, c);
  try {
    const res = await new Promise<RenewCertificateResponse>((resolve, reject) =>
      client.renewCertificate(
        { csrPem },
        new grpc.Metadata(),
        { deadline: Date.now() + 15_000 },
        (err, r) => (err ? reject(fromGrpcError(err)) : resolve(r)),
      ),
    );
    return { ca: c.ca, key: await privateKeyToPem(keys.privateKey), cert: res.certificatePem };
  } finally {
    client.close();
  }
}

/** A management stream opened as the agent: resolves at the welcome, or rejects with the refusal. */
function openStream(addr: string, c: Credentials) {
  const client = agentClient(addr, c);
  const call = client.connect();
  const messages: ControllerMessage[] = [];
  let ended: Promise<{ code: string; message: string; at: number }>;
  const welcomed = new Promise<void>((resolve, reject) => {
    ended = new Promise((resolveEnd) => {
      call.on('data', (m: ControllerMessage) => {
        messages.push(m);
        if (m.kind?.$case === 'welcome') resolve();
      });
      call.on('error', (err) => {
        const e = fromGrpcError(err);
        reject(e);
        resolveEnd({ code: e.code, message: e.message, at: Date.now() });
      });
      call.on('end', () => resolveEnd({ code: 'OK', message: '', at: Date.now() }));
    });
  });
  welcomed.catch(() => undefined);
  call.write({
    kind: {
      $case: 'hello',
      value: {
        agentVersion: 'test',
        running: [],
        spooledResults: 0,
        mode: 0,
        capabilities: [HOST_OPERATION_CAPABILITY],
      },
    },
  });
  return {
    welcomed,
    ended: () => ended,
    messages,
    send: (result: JobResult) => call.write({ kind: { $case: 'result', value: result } }),
    close: () => {
      call.end();
      client.close();
    },
  };
}

describe('agent revocation and certificate trust: real controller and agent processes', () => {
  let c: AgentCluster;
  beforeAll(async () => {
    c = await startAgentCluster({ env: { KEYWARDEN_AGENT_CERT_GRACE: `${GRACE_MS / 1000}s` } });
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  const auditOf = async (action: string, subject?: string) =>
    (
      await c.api<{ items: AuditItem[] }>(
        'GET',
        `/api/v1/audit?action=${action}${subject ? `&subject=${subject}` : ''}&limit=500`,
      )
    ).body.items;

  it('deleting the host of an enrolled agent revokes it: the stream closes, every later call is refused, audited once per window', async () => {
    const agent = await c.addAgent('deleted-host');
    const proc = agent.start();
    const hostId = await agent.hostId();
    await c.waitForDiscoveryScan(hostId);
    const creds = readCredentials(agent.stateDir);
    const addr = controllerOf(agent.stateDir);

    const del = await c.api<{ jobId: string }>('POST', '/api/v1/hosts/batch', {
      action: 'delete',
      hostIds: [hostId],
    });
    expect(del.status).toBe(202);
    await c.waitForJob(del.body.jobId, ['completed']);

    // The open stream is closed with the reason, and every reconnection is refused.
    const refusals = await waitFor(
      () =>
        `the agent to be refused three times:\n${proc.output()}\ncontroller:\n${c.controllers[0]!.output().slice(-6000)}`,
      async () => {
        const ended = logLines(proc.output(), 'stream ended with an error').filter(
          (l) => l.code === 'AGENT_REVOKED',
        );
        return ended.length >= 3 ? ended : null;
      },
      30_000,
    );
    expect(String(refusals[0]!.error)).toMatch(/revoked .*host .* was deleted/);
    // It cannot renew either.
    await expect(renew(addr, creds)).rejects.toMatchObject({ code: 'AGENT_REVOKED' });

    const revoked = await auditOf('agent.revoked', agent.agentId);
    expect(revoked).toHaveLength(1);
    expect(String(revoked[0]!.details.reason)).toContain(hostId);
    // One audit row for the whole loop of refusals (repeats are counted per window).
    const refusedRows = await auditOf('agent.connection-refused', agent.agentId);
    expect(refusedRows).toHaveLength(1);
    expect(refusedRows[0]!.details.code).toBe('AGENT_REVOKED');
    const record = await c.api<{ revokedAt: number | null; revokedReason: string }>(
      'GET',
      `/api/v1/agents/${agent.agentId}`,
    );
    expect(record.body.revokedAt).not.toBeNull();
    await proc.kill('SIGKILL');
  });

  it('an admin revokes an agent through the API: its open stream is closed and it cannot reconnect', async () => {
    const agent = await c.addAgent('admin-revoked');
    const proc = agent.start();
    await agent.hostId();
    // Only an admin may revoke.
    const op = await c.api<{ secret: string }>('POST', '/api/v1/tokens', {
      name: 'operator',
      role: 'operator',
    });
    const asOperator = await fetch(
      `${c.controllers[0]!.url}/api/v1/agents/${agent.agentId}/revoke`,
      { method: 'POST', headers: { authorization: `Bearer ${op.body.secret}` } },
    );
    expect(asOperator.status).toBe(403);
    const res = await c.api<{ revoked: boolean; agent: { revokedBy: string } }>(
      'POST',
      `/api/v1/agents/${agent.agentId}/revoke`,
      { reason: 'host decommissioned' },
    );
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBe(true);
    await waitFor(
      () => `the open stream to be closed as revoked:\n${proc.output()}`,
      async () =>
        logLines(proc.output(), 'stream ended with an error').some(
          (l) => l.code === 'AGENT_REVOKED' && /host decommissioned/.test(String(l.error)),
        ),
    );
    const again = await c.api<{ revoked: boolean }>(
      'POST',
      `/api/v1/agents/${agent.agentId}/revoke`,
    );
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.revoked).toBe(false);
    expect((await c.api('POST', '/api/v1/agents/agt_0000/revoke')).status).toBe(404);
    await proc.kill('SIGKILL');
  });

  it("a renewed agent's previous certificate is accepted within the grace, then its stream is closed and it is refused", async () => {
    const agent = await c.addAgent('renewed');
    const addr = controllerOf(agent.stateDir);
    const old = readCredentials(agent.stateDir);
    const renewed = await renew(addr, old);
    const store = await c.store();
    const rec = await store.agentFleet.agents.get(agent.agentId);
    const graceEnds = rec!.certificateSupersededAt! + GRACE_MS;

    // Within the grace the old certificate still opens a stream (an agent mid-renewal).
    const early = openStream(addr, old);
    await early.welcomed;
    expect(Date.now()).toBeLessThan(graceEnds);
    // Past it, that stream is closed and a new one is refused.
    const end = await early.ended();
    expect(end.code).toBe('CERTIFICATE_SUPERSEDED');
    expect(end.at).toBeGreaterThanOrEqual(graceEnds);
    const late = openStream(addr, old);
    await expect(late.welcomed).rejects.toMatchObject({
      code: 'CERTIFICATE_SUPERSEDED',
      message: expect.stringMatching(/replaced by a renewal/),
    });
    late.close();
    await expect(renew(addr, old)).rejects.toMatchObject({ code: 'CERTIFICATE_SUPERSEDED' });
    // The renewed certificate works.
    const current = openStream(addr, renewed);
    await current.welcomed;
    current.close();
    const refused = await auditOf('agent.connection-refused', agent.agentId);
    expect(refused.map((r) => r.details.code)).toEqual(['CERTIFICATE_SUPERSEDED']);
  });

  it('a result for an operation never assigned to the agent is refused and audited, not stored', async () => {
    const agent = await c.addAgent('forger');
    const proc = agent.start();
    const hostId = await agent.hostId();
    await c.waitForDiscoveryScan(hostId);
    await proc.kill('SIGTERM');
    const store = await c.store();
    const [scan] = (await store.jobs.list({ type: ['scan-full'], hostId }, { limit: 1 })).items;
    // A job of the agent's own host, but an attempt the controller never assigned.
    const forged = { jobId: scan!.id, attempt: 9, step: 0 };
    const s = openStream(controllerOf(agent.stateDir), readCredentials(agent.stateDir));
    await s.welcomed;
    s.send({
      job: forged,
      startedAtMs: Date.now(),
      finishedAtMs: Date.now(),
      outcome: {
        $case: 'output',
        value: { operation: 'scan-full', value: { accounts: [] } },
      },
    });
    const ack = await waitFor('the result to be acknowledged', async () =>
      s.messages.find((m) => m.kind?.$case === 'resultAck'),
    );
    s.close();
    expect(ack.kind).toMatchObject({
      $case: 'resultAck',
      value: { accepted: false, refusal: expect.stringMatching(/never assigned/) },
    });
    expect(await store.agentFleet.results.get(forged)).toBeNull();
    const audit = await auditOf('agent.result-refused', scan!.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe(`agent:${agent.agentId}`);
  });

  // Last: the flood spends this address's refusal budget, which would delay enrollments.
  it('an enrollment flood with oversized fields is refused naming the field, then throttled, with a bounded audit', async () => {
    const res = await c.api<{ icb: unknown }>('POST', '/api/v1/icb', {});
    const icb = await readIcb(JSON.stringify(res.body.icb));
    const client = new EnrollmentServiceClient(
      icb.enrollment[0]!,
      grpc.credentials.createSsl(Buffer.from(icb.caCertificatePem)),
    );
    const send = (icbId: string, token = 'x'.repeat(40)) =>
      new Promise<EnrollResponse>((resolve, reject) =>
        client.enroll(
          { enrollmentToken: token, csrPem: '', agentVersion: 'flood', icbId },
          new grpc.Metadata(),
          { deadline: Date.now() + 15_000 },
          (err, r) => (err ? reject(fromGrpcError(err)) : resolve(r)),
        ),
      );
    const since = Date.now();
    const outcomes: Array<{ code: string; message: string }> = [];
    for (let i = 0; i < 40; i++) {
      const err = (await send(`icb_${'A'.repeat(20_000)}_${i}`).catch((e: unknown) => e)) as {
        code: string;
        message: string;
      };
      outcomes.push({ code: err.code, message: err.message });
    }
    const codes = outcomes.map((o) => o.code);
    expect(codes[0]).toBe('ENROLLMENT_REFUSED');
    expect(outcomes[0]!.message).toMatch(
      /field icbId is too large: \d+ characters, at most 128 accepted/,
    );
    expect(codes.filter((x) => x === 'ENROLLMENT_REFUSED').length).toBeLessThanOrEqual(12);
    expect(codes.slice(-10)).toEqual(Array(10).fill('ENROLLMENT_THROTTLED'));
    expect(outcomes.at(-1)!.message).toMatch(/too many refused enrollments from 127\.0\.0\.1/);

    // A message past the enrollment port's limit is refused before it is read.
    const huge = await send('icb_x', 'y'.repeat(100_000)).catch((e: unknown) => e);
    expect(huge).toMatchObject({ message: expect.stringMatching(/larger than max/) });
    client.close();

    // Forty refusals, one audit row so far (the window's count follows when it closes),
    // its subject cut to a bounded size.
    const rows = (await auditOf('agent.enrollment-refused')).filter((r) => r.at >= since);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.subject.length).toBeLessThan(100);
    expect(JSON.stringify(rows[0]).length).toBeLessThan(2000);
  });
});
