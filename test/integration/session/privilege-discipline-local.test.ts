import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readFile,
  readdir,
  rm,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorCode } from '../../../shared/errors';
import { LocalSession } from '../../../shared/session/local-session';
import { startHostileUser } from './hostile-user';

// A user that exists only as numbers: enough for the kernel, and no account to clean up.
const user = { uid: 42_000 + randomBytes(1)[0]!, gid: 42_300 };
const home = '/home/alice';
const sshDir = `${home}/.ssh`;
const keys = `${sshDir}/authorized_keys`;
const guard = { noSymlinksBelow: home, accountUid: user.uid };
const NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Outcomes an edit may have while a user races it: done, or refused with one of these. */
const REFUSALS = new Set(['FILE_CHANGED', 'SYMLINK_REFUSED', 'INVALID_INPUT', 'NOT_FOUND']);

let root = '';
let session: LocalSession;
const real = (p: string) => join(root, p);

interface Snapshot {
  uid: number;
  gid: number;
  mode: number;
  content: string;
}
async function snapshot(path: string): Promise<Snapshot> {
  const st = await lstat(path);
  return {
    uid: st.uid,
    gid: st.gid,
    mode: st.mode & 0o7777,
    content: await readFile(path, 'utf8'),
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kwt-discipline-'));
  await chmod(root, 0o755); // the user must be able to reach its home, as on a real host
  await mkdir(real(sshDir), { recursive: true });
  await mkdir(real('/root/.ssh'), { recursive: true, mode: 0o700 });
  await chown(real(home), user.uid, user.gid);
  await chown(real(sshDir), user.uid, user.gid);
  await chmod(real(sshDir), 0o700);
  await writeFile(real('/root/.ssh/id_ed25519'), 'ROOT PRIVATE KEY\n', { mode: 0o600 });
  await writeFile(real('/etc-shadow'), 'root:$6$secret:19000::::::\n', { mode: 0o640 });
  session = new LocalSession({ rootPrefix: root });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Removes a path the user may be swapping at the same moment (it wins some rounds). */
async function removeRacing(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rm(path, { recursive: true, force: true });
    } catch (err) {
      if (attempt > 20) throw err;
    }
  }
}

async function emptyHome(): Promise<void> {
  for (const name of await readdir(real(home))) await removeRacing(join(real(home), name));
}

/**
 * Failures other than the refusals above, checked after what matters most (a victim that
 * changed, a leak), so a failing run says first what the user gained.
 */
const unexpected: string[] = [];
beforeEach(() => {
  unexpected.length = 0;
});
afterEach(() => {
  expect(unexpected).toEqual([]);
});

/** Runs `n` edits of the user's file; returns the codes of those refused. */
async function editRepeatedly(
  n: number,
  after?: () => Promise<void>,
): Promise<Map<string, number>> {
  const refused = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    try {
      await session.writeFileAtomic(keys, `ssh-ed25519 AAAA edit-${i}\n`, {
        ...guard,
        uid: user.uid,
        gid: user.gid,
        mode: 0o600,
      });
    } catch (err) {
      const code = errorCode(err) ?? String(err);
      if (!REFUSALS.has(code)) unexpected.push(String(err));
      refused.set(code, (refused.get(code) ?? 0) + 1);
      // The user may have left a link where the file was: root removes it and goes on.
      const st = await lstat(real(keys)).catch(() => null);
      if (st?.isSymbolicLink()) await unlink(real(keys)).catch(() => undefined);
    }
    await after?.();
  }
  return refused;
}

describe('privilege discipline on the agent (LocalSession)', () => {
  it('a user swapping the temporary file for a link in a tight loop never reaches outside its files', async () => {
    const victim = real('/etc-shadow');
    const before = await snapshot(victim);
    await writeFile(real(keys), 'ssh-ed25519 AAAA first\n', { mode: 0o600 });
    await chown(real(keys), user.uid, user.gid);
    const hostile = await startHostileUser(user, 'swap-temporary', real(sshDir), '', victim);
    let swaps: number;
    try {
      await editRepeatedly(300);
    } finally {
      swaps = await hostile.stop();
    }
    expect(swaps).toBeGreaterThan(0); // the race really ran
    expect(await snapshot(victim)).toEqual(before);
  });

  it('a user flipping its file to a link to a root secret never gets the secret copied into its files', async () => {
    const secret = real('/root/.ssh/id_ed25519');
    const before = await snapshot(secret);
    await writeFile(real(keys), 'ssh-ed25519 AAAA first\n', { mode: 0o600 });
    await chown(real(keys), user.uid, user.gid);
    const leaks: string[] = [];
    // After every edit: no file the user owns in ~/.ssh holds the secret (the backup of a
    // read that followed the link would).
    const lookForLeaks = async () => {
      for (const name of await readdir(real(sshDir))) {
        // Never through a link: the user flips one in right now, and root reads here.
        const handle = await open(join(real(sshDir), name), NOFOLLOW).catch(() => null);
        if (!handle) continue;
        try {
          const st = await handle.stat();
          const text = st.isFile() ? await handle.readFile('utf8') : '';
          if (text.includes('ROOT PRIVATE KEY')) leaks.push(`${name} (uid ${st.uid})`);
        } finally {
          await handle.close();
        }
      }
    };
    const hostile = await startHostileUser(
      user,
      'flip-file',
      real(sshDir),
      'authorized_keys',
      secret,
    );
    let swaps: number;
    try {
      await editRepeatedly(300, lookForLeaks);
    } finally {
      swaps = await hostile.stop();
    }
    expect(swaps).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
    expect(await snapshot(secret)).toEqual(before);
  });

  it('creating ~/.ssh while the user swaps the new directory for a link leaves the target alone', async () => {
    const victim = real('/etc-shadow');
    const before = await snapshot(victim);
    await emptyHome();
    const hostile = await startHostileUser(user, 'swap-new-dir', real(home), '.ssh', victim);
    let swaps: number;
    try {
      for (let i = 0; i < 300; i++) {
        await removeRacing(real(sshDir));
        try {
          await session.mkdir(sshDir, { mode: 0o700, uid: user.uid, gid: user.gid });
        } catch (err) {
          const code = errorCode(err) ?? String(err);
          if (!REFUSALS.has(code)) unexpected.push(String(err));
        }
      }
    } finally {
      swaps = await hostile.stop();
      await emptyHome();
      await mkdir(real(sshDir), { mode: 0o700 });
      await chown(real(sshDir), user.uid, user.gid);
    }
    expect(swaps).toBeGreaterThan(0);
    expect(await snapshot(victim)).toEqual(before);
  });

  it('refuses to write below a home another user can write (UNSAFE_PATH), and writes nothing', async () => {
    const other = { uid: user.uid + 1, gid: user.gid + 1 };
    await writeFile(real(keys), 'ssh-ed25519 AAAA first\n', { mode: 0o600 });
    await chown(real(keys), user.uid, user.gid);
    const edit = () => session.writeFileAtomic(keys, 'ssh-ed25519 AAAA ours\n', guard);
    const code = async () =>
      edit().then(
        () => 'written',
        (err: unknown) => errorCode(err),
      );

    await chmod(real(home), 0o777); // anyone may replace ~/.ssh
    expect(await code()).toBe('UNSAFE_PATH');
    await chmod(real(home), 0o755);
    await chown(real(home), other.uid, other.gid); // a home owned by someone else
    expect(await code()).toBe('UNSAFE_PATH');
    await chown(real(home), user.uid, user.gid);
    await chmod(real('/home'), 0o775); // a parent writable by a group
    expect(await code()).toBe('UNSAFE_PATH');
    await chmod(real('/home'), 0o755);
    expect(await readFile(real(keys), 'utf8')).toBe('ssh-ed25519 AAAA first\n');
    expect(await code()).toBe('written'); // the same edit, once the path is safe again
  });
});
