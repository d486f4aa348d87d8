/**
 * read-sshd-effective-config: the settings sshd applies to one login, decided by the host's
 * own `sshd -T -C`, through a real engine and real sshd (the direct SSH driver), and through
 * a real agent process (the generic protocol message carries the new operation unchanged).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../controller/inventory/host-target';
import { startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { hostIdOf, rootConnection, runJob } from './host-job-harness';

// Test accounts are named kwt<random>alice on the real sshd, alice on the agent's host.
const MATCH = `
Match User *alice Address 10.9.0.0/16
  PasswordAuthentication no
  X11Forwarding yes
  AuthorizedKeysFile /etc/ssh/keys/%u
`;

type Effective = { settings: Record<string, string[]>; connection: Record<string, unknown> };

describe('read-sshd-effective-config over SSH, against a real sshd', () => {
  let sshd: TestSshd;
  let eng: TestEngine;
  let connection: Connection;
  let keyDir = '';

  beforeAll(async () => {
    keyDir = mkdtempSync(path.join(tmpdir(), 'kwt-effective-'));
    const root = await generateClientKey(keyDir, 'root');
    sshd = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [{ name: 'alice' }],
      settings: { PasswordAuthentication: 'yes', X11Forwarding: 'no' },
      extraConfig: MATCH,
    });
    eng = await startTestEngine({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]) },
    });
    connection = await rootConnection(sshd, root);
  });

  afterAll(async () => {
    await eng?.stop();
    await sshd?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const read = (account: string, sourceAddress: string, more: Record<string, unknown> = {}) =>
    runJob(eng, 'read-sshd-effective-config', {
      connection,
      sshdConfigPath: sshd.configPath,
      account,
      sourceAddress,
      ...more,
    });

  it('applies the Match block for its account and source, and only there', async () => {
    const alice = sshd.user('alice').name;
    const inside = await read(alice, '10.9.1.2');
    expect(inside.state, JSON.stringify(inside.error)).toBe('completed');
    const r = inside.result as Effective & { hostId: string };
    expect(r.hostId).toBe(hostIdOf(connection));
    expect(r.connection).toEqual({ user: alice, host: '10.9.1.2', addr: '10.9.1.2' });
    expect(r.settings.passwordauthentication).toEqual(['no']);
    expect(r.settings.x11forwarding).toEqual(['yes']);
    expect(r.settings.authorizedkeysfile).toEqual(['/etc/ssh/keys/%u']);
    expect(r.settings.port).toEqual([String(sshd.port)]);

    const outside = await read(alice, '192.0.2.7');
    const o = outside.result as Effective;
    expect(o.settings.passwordauthentication).toEqual(['yes']);
    expect(o.settings.x11forwarding).toEqual(['no']);
  });

  it('refuses a source that would smuggle another match key, and an sshd not allowed', async () => {
    const smuggled = await read('alice', '10.9.1.2,user=root');
    expect(smuggled.state).toBe('failed');
    expect(smuggled.error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'addr', value: '10.9.1.2,user=root' },
    });
    const binary = await read('alice', '10.9.1.2', { sshdBinary: '/tmp/sshd' });
    expect(binary.error).toMatchObject({ code: 'FORBIDDEN', details: { field: 'sshdBinary' } });
  });
});

describe('read-sshd-effective-config through a real agent', () => {
  let cluster: AgentCluster;
  beforeAll(async () => {
    cluster = await startAgentCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs on the agent host, which needs no protocol change for a new operation', async () => {
    const agent = await cluster.addAgent('effective');
    // The agent's host: its /etc/ssh/sshd_config, with a host key sshd -T can load.
    const etcSsh = path.join(agent.hostRoot, 'etc/ssh');
    mkdirSync(etcSsh, { recursive: true });
    const hostKey = path.join(etcSsh, 'ssh_host_ed25519_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    writeFileSync(
      path.join(etcSsh, 'sshd_config'),
      `HostKey ${hostKey}\nPasswordAuthentication yes\nX11Forwarding no\n${MATCH}`,
    );
    agent.start();
    const hostId = await agent.hostId();
    const job = await cluster.runJob('read-sshd-effective-config', {
      hostId,
      account: 'alice',
      sourceAddress: '10.9.4.4',
      sourceHost: 'laptop.example',
    });
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    const r = job.result as Effective;
    expect(r.connection).toEqual({ user: 'alice', host: 'laptop.example', addr: '10.9.4.4' });
    expect(r.settings.passwordauthentication).toEqual(['no']);
    expect(r.settings.x11forwarding).toEqual(['yes']);
  });
});
