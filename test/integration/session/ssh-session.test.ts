import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../shared/errors';
import { probeHostKeyFingerprint } from '../../../shared/session/ssh-connect';
import { SshSession } from '../../../shared/session/ssh-session';
import type { TestSshd } from '../../helpers/sshd';
import { generateClientKey, startTestSshd } from '../../helpers/sshd';
import { describeSessionContract } from './session-contract';

let sshd: TestSshd;
let keyDir = '';
let rootKey = '';
let mgmtKey = '';
const roots: string[] = [];

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'kwt-keys-'));
  const root = await generateClientKey(keyDir, 'root');
  const mgmt = await generateClientKey(keyDir, 'mgmt');
  rootKey = await readFile(root.path, 'utf8');
  mgmtKey = await readFile(mgmt.path, 'utf8');
  sshd = await startTestSshd({
    rootAuthorizedKeys: `${root.publicKey}\n`,
    users: [
      { name: 'mgmt', sudo: true, authorizedKeys: `${mgmt.publicKey}\n` },
      { name: 'pw', password: 'correct horse' },
    ],
  });
});

afterAll(async () => {
  await sshd?.stop();
  await rm(keyDir, { recursive: true, force: true });
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

async function newRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kwt-sshroot-'));
  roots.push(dir);
  return dir;
}

const target = () => ({
  host: sshd.address,
  port: sshd.port,
  hostKeyFingerprint: sshd.hostKeyFingerprint,
});

let rootSession: SshSession | undefined;
describeSessionContract(
  'SshSession as root over SFTP',
  async () => {
    const rootDir = await newRoot();
    rootSession = await SshSession.connect({
      ...target(),
      username: 'root',
      privateKey: rootKey,
      rootPrefix: rootDir,
    });
    return { session: rootSession, rootDir, owner: { uid: 1234, gid: 1235 } };
  },
  async () => rootSession?.close(),
);

let sudoSession: SshSession | undefined;
describeSessionContract(
  'SshSession as a management account through sudo -n',
  async () => {
    const rootDir = await newRoot();
    sudoSession = await SshSession.connect({
      ...target(),
      username: sshd.user('mgmt').name,
      privateKey: mgmtKey,
      rootPrefix: rootDir,
    });
    return { session: sudoSession, rootDir, owner: { uid: 1234, gid: 1235 } };
  },
  async () => sudoSession?.close(),
);

async function connectCode(
  opts: Partial<Parameters<typeof SshSession.connect>[0]>,
): Promise<string | undefined> {
  try {
    const s = await SshSession.connect({
      ...target(),
      username: 'root',
      privateKey: rootKey,
      ...opts,
    });
    await s.close();
    return 'connected';
  } catch (err) {
    return errorCode(err);
  }
}

describe('SshSession connection failures', () => {
  it('learns the presented host key on first contact, as ssh-keygen prints it', async () => {
    expect(await probeHostKeyFingerprint({ host: sshd.address, port: sshd.port })).toBe(
      sshd.hostKeyFingerprint,
    );
  });

  it('refuses a host whose key is not the pinned one', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    expect(await connectCode({ hostKeyFingerprint: wrong })).toBe('HOST_KEY_MISMATCH');
  });

  it('reports a wrong password as CREDENTIAL_REFUSED and a right one connects', async () => {
    const name = sshd.user('pw').name;
    expect(await connectCode({ username: name, privateKey: undefined, password: 'wrong' })).toBe(
      'CREDENTIAL_REFUSED',
    );
    const s = await SshSession.connect({
      ...target(),
      username: name,
      password: 'correct horse',
      sudo: false,
    });
    expect((await s.exec('id', ['-un'])).stdout.trim()).toBe(name);
    await s.close();
  });

  it('reports a closed port as HOST_UNREACHABLE', async () => {
    expect(await connectCode({ port: 1, readyTimeoutMs: 2_000 })).toBe('HOST_UNREACHABLE');
  });

  it('reports sudo that wants a password as a failed command, not a hang', async () => {
    const s = await SshSession.connect({
      ...target(),
      username: sshd.user('pw').name,
      password: 'correct horse',
      sudo: true,
    });
    const r = await s.exec('true', [], { timeoutMs: 5_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/password|sudoers/i);
    await s.close();
  });
});
