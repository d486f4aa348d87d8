import { chown, lstat, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorCode } from '../../../shared/errors';
import { relocateUserKeys } from '../../../shared/hostops/relocate-user-keys';
import { SshSession } from '../../../shared/session/ssh-session';
import type { TestSshd } from '../../helpers/sshd';
import type { TestUser } from '../../helpers/sshd-users';
import { generateClientKey, startTestSshd } from '../../helpers/sshd';
import { startHostileUser } from './hostile-user';

/** Outcomes an edit may have while a user races it: done, or refused with one of these. */
const REFUSALS = new Set(['FILE_CHANGED', 'SYMLINK_REFUSED', 'INVALID_INPUT', 'NOT_FOUND']);
const FILES = ['authorized_keys', 'authorized_keys2', 'keys3', 'keys4'];

let sshd: TestSshd;
let keyDir = '';
let sudo: SshSession;
let asRoot: SshSession;
let alice: TestUser;
let victim = '';
const unexpected: string[] = [];

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'kwt-discipline-keys-'));
  const root = await generateClientKey(keyDir, 'root');
  const mgmt = await generateClientKey(keyDir, 'mgmt');
  sshd = await startTestSshd({
    rootAuthorizedKeys: `${root.publicKey}\n`,
    users: [
      { name: 'mgmt', sudo: true, authorizedKeys: `${mgmt.publicKey}\n` },
      { name: 'alice', authorizedKeys: 'ssh-ed25519 AAAA first\n' },
    ],
  });
  alice = sshd.user('alice');
  const target = {
    host: sshd.address,
    port: sshd.port,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
  };
  sudo = await SshSession.connect({
    ...target,
    username: sshd.user('mgmt').name,
    privateKey: await readFile(mgmt.path, 'utf8'),
  });
  asRoot = await SshSession.connect({
    ...target,
    username: 'root',
    privateKey: await readFile(root.path, 'utf8'),
  });
  // Stands for /etc/shadow: root's, outside every account's files.
  victim = join(sshd.dir, 'victim-shadow');
  await writeFile(victim, 'root:$6$secret:19000::::::\n', { mode: 0o640 });
});

afterAll(async () => {
  await sudo?.close();
  await asRoot?.close();
  await sshd?.stop();
  await rm(keyDir, { recursive: true, force: true });
});

beforeEach(() => {
  unexpected.length = 0;
});
afterEach(() => {
  expect(unexpected).toEqual([]);
});

async function snapshot(path: string) {
  const st = await lstat(path);
  return {
    uid: st.uid,
    gid: st.gid,
    mode: st.mode & 0o7777,
    content: await readFile(path, 'utf8'),
  };
}

const sshDir = () => join(alice.home, '.ssh');

function refused(err: unknown): void {
  const code = errorCode(err) ?? String(err);
  if (!REFUSALS.has(code)) unexpected.push(String(err));
}

/** `rounds` edits of each of FILES, the files edited side by side. */
async function editConcurrently(session: SshSession, rounds: number): Promise<void> {
  const guard = { noSymlinksBelow: alice.home, accountUid: alice.uid };
  await Promise.all(
    FILES.map(async (name) => {
      const path = join(sshDir(), name);
      for (let i = 0; i < rounds; i++) {
        await session
          .writeFileAtomic(path, `ssh-ed25519 AAAA ${name}-${i}\n`, {
            ...guard,
            uid: alice.uid,
            gid: alice.gid,
            mode: 0o600,
          })
          .catch(async (err: unknown) => {
            refused(err);
            // A link the user left where the file was: root removes it and goes on.
            if ((await lstat(path).catch(() => null))?.isSymbolicLink()) {
              await unlink(path).catch(() => undefined);
            }
          });
      }
    }),
  );
}

// Hundreds of edits (50 rounds of 4 files) through sudo, the path the old script raced, and
// as root, whose guarded calls run the same helper.
describe.each([
  ['a management account through sudo', () => sudo, 50],
  ['root over SFTP', () => asRoot, 50],
])('privilege discipline over SSH: %s', (_name, session, rounds) => {
  it('a user swapping temporary files for links during hundreds of edits changes nothing outside its files', async () => {
    const before = await snapshot(victim);
    const hostile = await startHostileUser(alice, 'swap-temporary', sshDir(), '', victim);
    let swaps: number;
    try {
      await editConcurrently(session(), rounds);
    } finally {
      swaps = await hostile.stop();
    }
    expect(swaps).toBeGreaterThan(0); // the race really ran
    expect(await snapshot(victim)).toEqual(before);
  }, 180_000);

  it('creating ~/.ssh while the user swaps it for a link leaves the target alone', async () => {
    const before = await snapshot(victim);
    await rm(sshDir(), { recursive: true, force: true });
    const hostile = await startHostileUser(alice, 'swap-new-dir', alice.home, '.ssh', victim);
    let swaps: number;
    try {
      for (let i = 0; i < rounds; i++) {
        await rm(sshDir(), { recursive: true, force: true }).catch(() => undefined);
        await session()
          .mkdir(sshDir(), { mode: 0o700, uid: alice.uid, gid: alice.gid })
          .catch(refused);
      }
    } finally {
      swaps = await hostile.stop();
    }
    expect(swaps).toBeGreaterThan(0);
    expect(await snapshot(victim)).toEqual(before);
    await rm(sshDir(), { recursive: true, force: true });
    for (const name of await import('node:fs/promises').then((f) => f.readdir(alice.home))) {
      if (name.startsWith('.moved-')) await rm(join(alice.home, name), { recursive: true });
    }
    await import('node:fs/promises').then((f) => f.mkdir(sshDir(), { mode: 0o700 }));
    await chown(sshDir(), alice.uid, alice.gid);
  }, 180_000);
});

describe('relocation over sudo', () => {
  it('copies nothing through a link to a root secret and reports it', async () => {
    const secret = join(sshd.dir, 'root-id_ed25519');
    await writeFile(secret, 'ROOT PRIVATE KEY\n', { mode: 0o600 });
    const keys = join(sshDir(), 'authorized_keys');
    await rm(keys, { force: true });
    await symlink(secret, keys);
    const result = await relocateUserKeys(sudo, {
      accounts: [alice.name],
      othersMayLoseAccess: true,
      target: join(sshd.dir, 'relocated', '%u'),
      sshdConfigPath: sshd.configPath,
      reloadCommand: ['true'],
    });
    expect(result.copied).toEqual([]);
    expect(result.findings).toMatchObject([
      { account: alice.name, file: keys, code: 'SYMLINK_REFUSED' },
    ]);
    await expect(lstat(join(sshd.dir, 'relocated', alice.name))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
