/**
 * Agent certificates with a short lifetime (KEYWARDEN_AGENT_CERT_VALIDITY=20s) under a real
 * controller and agent process: an agent holding its stream renews before its certificate
 * expires, the controller records, audits and accepts the new certificate, and a
 * certificate past expiry is refused with a clear error.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { x509 } from '../../../shared/proto/pem-keys';
import { logLines, startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';
import { spawnAgent, waitFor, type AgentProcess } from '../../helpers/agent-processes';

const LIFETIME_MS = 20_000;
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

interface AuditItem {
  action: string;
  subject: string;
  at: number;
  details: Record<string, unknown>;
}

describe('agent certificate renewal', () => {
  let cluster: AgentCluster | undefined;
  let expiredAgent: AgentProcess | undefined;
  afterAll(async () => {
    await expiredAgent?.kill('SIGKILL');
    await cluster?.stop();
  });

  it('a connected agent renews before expiry; the controller audits and accepts the new certificate; an expired one is refused', async () => {
    cluster = await startAgentCluster({
      env: { KEYWARDEN_AGENT_CERT_VALIDITY: `${LIFETIME_MS / 1000}s` },
    });
    const c = cluster;
    const agent = await c.addAgent('renew-1');
    const certFile = path.join(agent.stateDir, 'agent.crt');
    const readCert = () => {
      const pem = readFileSync(certFile, 'utf8');
      return { pem, cert: new x509.X509Certificate(pem) };
    };
    // Keep the identity the agent enrolled with: it will have expired by the end.
    const expiredState = path.join(c.dir, 'state-expired');
    mkdirSync(expiredState, { recursive: true, mode: 0o700 });
    for (const f of ['identity.json', 'ca.crt', 'agent.key', 'agent.crt'])
      copyFileSync(path.join(agent.stateDir, f), path.join(expiredState, f));
    const enrolled = readCert();
    expect(enrolled.cert.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(LIFETIME_MS);

    const proc = agent.start();
    const hostId = await agent.hostId();
    await waitFor(
      () => `the agent to connect:\n${proc.output()}`,
      async () => logLines(proc.output(), 'connected').length > 0,
    );
    // The certificate the open stream was made with.
    const atConnect = readCert();
    const oldNotAfter = atConnect.cert.notAfter.getTime();

    // Without reconnecting, the agent gets a new certificate before the old one expires.
    const renewed = await waitFor(
      () =>
        `the agent to renew its certificate before ${new Date(oldNotAfter).toISOString()}:\n${proc.output()}`,
      async () => {
        const now = readCert();
        return now.pem !== atConnect.pem ? now : null;
      },
      oldNotAfter - Date.now(),
    );
    expect(Date.now()).toBeLessThan(oldNotAfter);
    expect(renewed.cert.notAfter.getTime()).toBeGreaterThan(oldNotAfter);
    expect(renewed.cert.subject).toBe(atConnect.cert.subject);
    expect(await renewed.cert.verify({ publicKey: readCa(agent.stateDir) })).toBe(true);
    // Renewed once two thirds of the lifetime had passed, not at once on every start.
    const renewals = logLines(proc.output(), 'client certificate renewed');
    expect(renewals.length).toBeGreaterThan(0);
    expect(Date.parse(String(renewals[0]!.time))).toBeGreaterThan(oldNotAfter - LIFETIME_MS / 2);
    // The controller accepts the replaced certificate only for a grace, so the idle agent
    // moves its stream to the renewed one on its own, before the old one expires.
    await waitFor(
      () => `the agent to reconnect with the renewed certificate:\n${proc.output()}`,
      async () => logLines(proc.output(), 'connected').length >= 2,
      oldNotAfter - Date.now(),
    );
    expect(
      logLines(proc.output(), 'reconnecting with the renewed client certificate'),
    ).toHaveLength(logLines(proc.output(), 'connected').length - 1);
    expect(logLines(proc.output(), 'stream ended with an error')).toEqual([]);

    // The controller audited the renewal of this very certificate and recorded it.
    const audit = await c.api<{ items: AuditItem[] }>(
      'GET',
      `/api/v1/audit?action=agent.certificate-renewed&subject=${agent.agentId}&limit=100`,
    );
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((i) => i.details.serial)).toContain(renewed.cert.serialNumber);
    const store = await c.store();
    const record = await store.agentFleet.agents.get(agent.agentId);
    expect(record!.certificateNotAfter).toBeGreaterThan(oldNotAfter);

    // Past the old certificate's expiry, a new connection (the agent restarted) is made
    // with the renewed certificate and a job runs over it.
    await sleepUntil(oldNotAfter + 500);
    await proc.kill('SIGTERM');
    const again = agent.start();
    await waitFor(
      () => `the restarted agent to connect:\n${again.output()}`,
      async () => logLines(again.output(), 'connected').length > 0,
    );
    const job = await c.enqueueHostOperation(hostId, 'list-accounts');
    const done = await c.waitForJob(job.id, ['completed', 'failed'], 15_000);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    expect(logLines(again.output(), 'job started').map((l) => l.jobId)).toContain(job.id);
    expect(readCert().cert.notAfter.getTime()).toBeGreaterThan(Date.now());

    // The certificate the agent enrolled with is past its expiry: refused, and the agent
    // says why and what to do.
    expect(Date.now()).toBeGreaterThan(enrolled.cert.notAfter.getTime());
    const refusedSince = Date.now();
    expiredAgent = spawnAgent(
      ['run', '--state-dir', expiredState, '--root-prefix', agent.hostRoot],
      {
        KEYWARDEN_AGENT_HOSTNAME: 'renew-1-expired',
        KEYWARDEN_AGENT_MAX_BACKOFF_MS: '1000',
      },
    );
    const failed = await waitFor(
      () => `the expired agent to be refused:\n${expiredAgent!.output()}`,
      async () => logLines(expiredAgent!.output(), 'connection failed')[0],
    );
    expect(String(failed.error)).toMatch(/client certificate expired at .*enroll/);
    expect(String(failed.error)).toContain(enrolled.cert.notAfter.toISOString());
    expect(logLines(expiredAgent.output(), 'connected')).toHaveLength(0);
    const refused = await waitFor('the refusal to be audited', async () => {
      const res = await c.api<{ items: AuditItem[] }>(
        'GET',
        '/api/v1/audit?action=agent.connection-refused&limit=100',
      );
      return res.body.items.find((i) => i.at >= refusedSince);
    });
    expect(String(refused.details.reason)).toMatch(/expired/);
    // The refused attempts changed nothing: the agent's connections are the ones its live
    // process made (it may reconnect after renewing again meanwhile), and it holds one.
    const after = await waitFor('the connection count to match the live agent', async () => {
      const a = await store.agentFleet.agents.get(agent.agentId);
      const made = logLines(again.output(), 'connected').length;
      return a?.connections === record!.connections + made ? a : null;
    });
    expect(after.connectionId).not.toBeNull();
  });
});

const readCa = (stateDir: string) =>
  new x509.X509Certificate(readFileSync(path.join(stateDir, 'ca.crt'), 'utf8'));
