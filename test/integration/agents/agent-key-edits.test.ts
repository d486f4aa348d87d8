/**
 * Edits on an agent host: the edit jobs travel to the agent as typed messages and run
 * there through the same host operations as on agentless hosts. A key edit is two host
 * operations in one attempt (the edit, then the scan that reads the file back); each is
 * its own step with its own result, and a retry after the agent died between them does
 * not do the edit twice.
 */
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  logLines,
  startAgentCluster,
  type AgentCluster,
  type ClusterAgent,
} from '../../helpers/agent-cluster';

/** A fresh key pair made by ssh-keygen: its public line and OpenSSH's fingerprint of it. */
function newKey(comment: string): { line: string; fingerprint: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-key-'));
  try {
    const file = path.join(dir, 'k');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
    const line = readFileSync(`${file}.pub`, 'utf8').trim();
    const printed = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' });
    return { line, fingerprint: printed.split(' ')[1]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The uid and gid the fake host's passwd gives an account. */
function ids(agent: ClusterAgent, account: string): { uid: number; gid: number } {
  const passwd = readFileSync(path.join(agent.hostRoot, 'etc/passwd'), 'utf8');
  const f = passwd
    .split('\n')
    .find((l) => l.startsWith(`${account}:`))!
    .split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/**
 * Writes a hand-made authorized_keys for `account` (its owner, mode 0600): a comment, a
 * key with options, a blank line, a line sshd would ignore, CRLF on one line and no
 * newline at the end. Returns its path and exact bytes.
 */
function handWrittenKeys(agent: ClusterAgent, account: string): { file: string; text: string } {
  const { uid, gid } = ids(agent, account);
  const home = path.join(agent.hostRoot, 'home', account);
  mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  chownSync(home, uid, gid);
  chownSync(path.join(home, '.ssh'), uid, gid);
  const a = newKey('hand-a');
  const b = newKey('hand-b');
  const text = [
    '# written by hand, keep',
    `no-pty,command="/usr/bin/uptime"  ${a.line}`,
    '',
    'not a key at all',
    `${b.line}\r`,
    '#  trailing comment without newline',
  ].join('\n');
  const file = path.join(home, '.ssh/authorized_keys');
  writeFileSync(file, text, { mode: 0o600 });
  chownSync(file, uid, gid);
  return { file, text };
}

describe('edits on an agent host', () => {
  let cluster: AgentCluster;
  beforeAll(async () => {
    cluster = await startAgentCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const run = (type: string, params: Record<string, unknown>) => cluster.runJob(type, params);
  /** Edits need the managed state: switch the host as an admin would. */
  const manage = (hostId: string) => cluster.manageHost(hostId);

  it('generates and removes a private key through the agent', async () => {
    const agent = await cluster.addAgent('edits');
    const passwd = readFileSync(path.join(agent.hostRoot, 'etc/passwd'), 'utf8');
    const alice = passwd
      .split('\n')
      .find((l) => l.startsWith('alice:'))!
      .split(':');
    const home = path.join(agent.hostRoot, 'home/alice');
    mkdirSync(home, { recursive: true });
    chownSync(home, Number(alice[2]), Number(alice[3]));
    agent.start();
    const hostId = await agent.hostId();
    const key = path.join(agent.hostRoot, 'home/alice/.ssh/id_ed25519');
    const generate = {
      hostId,
      account: 'alice',
      policy: { type: 'ed25519' },
      comment: 'made-by-agent',
    };
    // A monitored agent host is only read: the edit never reaches the agent.
    const refused = await run('generate-private-key', generate);
    expect(refused).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'HOST_NOT_MANAGED', message: expect.stringContaining('manage') },
    });
    expect(existsSync(key)).toBe(false);
    await manage(hostId);
    const generated = await run('generate-private-key', generate);
    expect(generated.state, JSON.stringify(generated.error)).toBe('completed');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(key).uid).toBe(Number(alice[2]));
    // OpenSSH agrees with what the job reports about the key it made.
    const printed = execFileSync('ssh-keygen', ['-l', '-f', `${key}.pub`], { encoding: 'utf8' });
    expect(JSON.stringify(generated.result)).toContain(printed.split(' ')[1]!);
    expect(printed).toContain('made-by-agent');

    const removed = await run('remove-private-key', {
      hostId,
      path: '/home/alice/.ssh/id_ed25519',
    });
    expect(removed.state, JSON.stringify(removed.error)).toBe('completed');
    expect(existsSync(key)).toBe(false);
  }, 90_000);

  it('adds, re-options and removes a key through the agent, hand-written lines kept byte for byte', async () => {
    const agent = await cluster.addAgent('keys');
    const { file, text } = handWrittenKeys(agent, 'bob');
    const bob = ids(agent, 'bob');
    agent.start();
    const hostId = await agent.hostId();
    await manage(hostId);
    const store = await cluster.store();
    const key = newKey('added-by-keywarden');

    const added = await run('add-authorized-key', {
      hostId,
      account: 'bob',
      publicKey: key.line,
      options: [{ name: 'from', value: '10.1.2.3' }],
    });
    expect(added.state, JSON.stringify(added.error)).toBe('completed');
    expect(added.attempts).toBe(1);
    expect(added.result).toMatchObject({ hostId, fingerprint: key.fingerprint });
    const afterAdd = readFileSync(file, 'utf8');
    // Everything that was there is still there, untouched; the new line follows it.
    expect(afterAdd.startsWith(text)).toBe(true);
    const appended = afterAdd.slice(text.length).split('\n').filter(Boolean);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatch(/^from="10\.1\.2\.3" ssh-ed25519 /);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file)).toMatchObject(bob);
    // OpenSSH reads the new key from the file.
    const listed = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' });
    expect(listed).toContain(key.fingerprint);

    // Two operations of one attempt, each with its own result: the edit, then the scan the
    // inventory was filled from.
    const results = store.agentFleet.results;
    expect(await results.get({ jobId: added.id, attempt: 1, step: 0 })).toMatchObject({
      operation: 'add-authorized-key',
      ok: true,
    });
    expect(await results.get({ jobId: added.id, attempt: 1, step: 1 })).toMatchObject({
      operation: 'scan-authorized-keys',
      ok: true,
    });
    const inventory = await store.inventory.items.list('authorized-key', {
      hostId,
      account: 'bob',
    });
    expect(inventory.find((i) => i.fingerprint === key.fingerprint)?.data).toMatchObject({
      managed: true,
      options: [{ name: 'from', value: '10.1.2.3' }],
    });
    // The hand-written keys are in the inventory too, as not managed.
    expect(inventory.filter((i) => !i.data.managed)).toHaveLength(2);

    const reoptioned = await run('set-authorized-key-options', {
      hostId,
      account: 'bob',
      fingerprint: key.fingerprint,
      options: [{ name: 'from', value: '10.9.9.9' }, { name: 'no-agent-forwarding' }],
    });
    expect(reoptioned.state, JSON.stringify(reoptioned.error)).toBe('completed');
    const afterOptions = readFileSync(file, 'utf8');
    expect(afterOptions.startsWith(text)).toBe(true);
    expect(afterOptions.slice(text.length)).toMatch(
      /from="10\.9\.9\.9",no-agent-forwarding ssh-ed25519 /,
    );
    const updated = await store.inventory.items.list('authorized-key', {
      hostId,
      fingerprint: key.fingerprint,
    });
    expect(updated.map((i) => i.data.options)).toEqual([
      [{ name: 'from', value: '10.9.9.9' }, { name: 'no-agent-forwarding' }],
    ]);

    const removed = await run('remove-authorized-key', {
      hostId,
      account: 'bob',
      fingerprint: key.fingerprint,
    });
    expect(removed.state, JSON.stringify(removed.error)).toBe('completed');
    expect(removed.result).toMatchObject({ removed: 1 });
    // Back to what the admin wrote, owner and mode included. The one byte added is the
    // newline the add put after the last hand-written line so that a line could follow.
    expect(readFileSync(file, 'utf8')).toBe(`${text}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file)).toMatchObject(bob);
  }, 90_000);

  it('an agent that dies between the edit and the rescan: the retry does not edit again', async () => {
    const agent = await cluster.addAgent('keys-crash');
    const { file, text } = handWrittenKeys(agent, 'alice');
    // Test fault (test/helpers/agent-test-main.ts): the agent exits after spooling the result of a scan-authorized-keys
    // operation, before sending it: the edit's result has reached the controller, the
    // rescan's has not.
    const first = agent.start({ KEYWARDEN_TEST_AGENT_EXIT_AFTER_RESULT: 'scan-authorized-keys' });
    const hostId = await agent.hostId();
    const store = await cluster.store();
    await cluster.waitForDiscoveryScan(hostId);
    await manage(hostId);
    const key = newKey('added-across-a-crash');
    const res = await cluster.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      type: 'add-authorized-key',
      params: { hostId, account: 'alice', publicKey: key.line },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const jobId = res.body.job.id;
    expect(await first.exited).toBe(3);
    expect(await store.agentFleet.results.get({ jobId, attempt: 1, step: 0 })).toMatchObject({
      operation: 'add-authorized-key',
      ok: true,
    });
    expect(await store.agentFleet.results.get({ jobId, attempt: 1, step: 1 })).toBeNull();

    const restarted = agent.start();
    const done = await cluster.waitForJob(jobId, ['completed', 'failed']);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    expect(done.attempts).toBe(2);
    // The key is in the file once, after the untouched hand-written lines.
    const now = readFileSync(file, 'utf8');
    expect(now.startsWith(text)).toBe(true);
    expect(now.split(key.line.split(' ')[1]!)).toHaveLength(2);
    // The agent ran the edit once (attempt 1); the retry took that result instead.
    const edits = [
      ...logLines(first.output(), 'job started'),
      ...logLines(restarted.output(), 'job started'),
    ].filter((l) => l.jobId === jobId);
    expect(edits.filter((l) => l.operation === 'add-authorized-key')).toEqual([
      expect.objectContaining({ attempt: 1, step: 0 }),
    ]);
    const inventory = await store.inventory.items.list('authorized-key', {
      hostId,
      fingerprint: key.fingerprint,
    });
    expect(inventory).toHaveLength(1);
  }, 90_000);
});
