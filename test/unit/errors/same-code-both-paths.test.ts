/**
 * One refusal, one code: a file the account may not read is PERMISSION_DENIED through a
 * LocalSession (the agent's path) and through an SshSession without root (the agentless
 * path's SFTP), naming the path, instead of a raw EACCES on one and an SFTP status on the
 * other. Real sshd on loopback, a real unprivileged account.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorRecord } from '../../../shared/errors';
import { LocalSession } from '../../../shared/session/local-session';
import { SshSession } from '../../../shared/session/ssh-session';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';

let sshd: TestSshd;
let keyDir = '';
let hostRoot = '';
let plainKey = '';

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'kwt-errkeys-'));
  const key = await generateClientKey(keyDir, 'plain');
  sshd = await startTestSshd({
    users: [{ name: 'plain', authorizedKeys: `${key.publicKey}\n` }],
  });
  plainKey = await readFile(key.path, 'utf8');
  hostRoot = await mkdtemp(join(tmpdir(), 'kwt-errhost-'));
  await chmod(hostRoot, 0o755);
  await writeFile(join(hostRoot, 'shadow'), 'root only');
  await chmod(join(hostRoot, 'shadow'), 0o600);
});

afterAll(async () => {
  await sshd?.stop();
  await rm(keyDir, { recursive: true, force: true });
  await rm(hostRoot, { recursive: true, force: true });
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('a file the account may not read', () => {
  it('is PERMISSION_DENIED on the agent path and on the agentless path alike', async () => {
    const plain = sshd.user('plain');
    // The agent's path, with the account's rights (root reads everything).
    const local = new LocalSession({ rootPrefix: hostRoot });
    process.seteuid!(plain.uid);
    let localErr: unknown;
    try {
      localErr = await failure(local.readFile('/shadow'));
    } finally {
      process.seteuid!(0);
    }
    const ssh = await SshSession.connect({
      host: sshd.address,
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      username: plain.name,
      privateKey: plainKey,
      sudo: false,
      rootPrefix: hostRoot,
    });
    let sshErr: unknown;
    try {
      sshErr = await failure(ssh.readFile('/shadow'));
    } finally {
      await ssh.close();
    }
    const expected = { code: 'PERMISSION_DENIED', retryable: false, details: { path: '/shadow' } };
    expect(toErrorRecord(localErr)).toMatchObject(expected);
    expect(toErrorRecord(sshErr)).toMatchObject(expected);
  });
});
