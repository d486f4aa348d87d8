import { spawn } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../shared/errors';
import type { PathGuard } from '../../../shared/session/file-primitives';
import { GUARDED_HELPER, GuardedHelperFiles } from '../../../shared/session/guarded-helper';
import { LocalFilePrimitives } from '../../../shared/session/local-file-primitives';
import { guardFor, strictModesProblem } from '../../../shared/session/path-guard';
import type { RawExecResult } from '../../../shared/session/ssh-exec';

/** The remote helper, run here as root exactly as sudo or an SSH exec would run it. */
function runHelperLocally(args: string[], stdin?: Buffer): Promise<RawExecResult> {
  return new Promise((resolve) => {
    const child = spawn('perl', ['-e', GUARDED_HELPER, '--', ...args]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }),
    );
    child.stdin.end(stdin ?? '');
  });
}

type Guarded = Pick<
  LocalFilePrimitives,
  'readGuarded' | 'createFile' | 'rename' | 'unlink' | 'mkdir' | 'rmdir'
>;

const USER = { uid: 1801, gid: 1801 };
let root = '';
const real = (p: string) => join(root, p);
const home = (p = '') => `/home/u${p}`;
const guard: PathGuard = { base: home(), trustedUid: USER.uid };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kwt-guarded-'));
  await mkdir(real(home('/.ssh')), { recursive: true });
  await chown(real(home()), USER.uid, USER.gid);
  await chown(real(home('/.ssh')), USER.uid, USER.gid);
  await mkdir(real('/outside'));
  await writeFile(real('/outside/secret'), 'secret\n', { mode: 0o600 });
  await symlink(real('/outside'), real(home('/linked-dir')));
  await symlink(real('/outside/secret'), real(home('/.ssh/linked-file')));
  await writeFile(real(home('/.ssh/authorized_keys')), 'keys\n');
  await chown(real(home('/.ssh/authorized_keys')), USER.uid, USER.gid);
  await mkdir(real('/srv/open'), { recursive: true, mode: 0o755 });
  await chmod(real('/srv/open'), 0o777);
  await mkdir(real('/srv/open/u'));
  await mkdir(real('/srv/sticky'), { recursive: true });
  await chmod(real('/srv/sticky'), 0o1777);
  await mkdir(real('/srv/sticky/u'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => errorCode(err) ?? String(err),
  );

describe.each([
  ['the agent (node fs)', () => new LocalFilePrimitives(root) as Guarded],
  ['the remote helper (perl)', () => new GuardedHelperFiles(runHelperLocally, root) as Guarded],
])('guarded file calls through %s, with no check in front of them', (_name, make) => {
  it('reads a regular file and reports a missing one as null', async () => {
    const fs = make();
    const read = await fs.readGuarded(home('/.ssh/authorized_keys'), guard);
    expect(read?.content.toString()).toBe('keys\n');
    expect(read?.stat).toMatchObject({ type: 'file', uid: USER.uid });
    expect(await fs.readGuarded(home('/.ssh/none'), guard)).toBeNull();
  });

  it('refuses a link as the final name or on the way, for reads and writes alike', async () => {
    const fs = make();
    const owner = { ...USER, mode: 0o600 };
    expect(await codeOf(fs.readGuarded(home('/.ssh/linked-file'), guard))).toBe('SYMLINK_REFUSED');
    expect(await codeOf(fs.readGuarded(home('/linked-dir/secret'), guard))).toBe('SYMLINK_REFUSED');
    expect(
      await codeOf(fs.createFile(home('/linked-dir/new'), Buffer.from('x'), owner, guard)),
    ).toBe('SYMLINK_REFUSED');
    expect(await codeOf(fs.mkdir(home('/linked-dir/d'), owner, guard))).toBe('SYMLINK_REFUSED');
    expect(await codeOf(fs.unlink(home('/linked-dir/secret'), guard))).toBe('SYMLINK_REFUSED');
    expect(await readFile(real('/outside/secret'), 'utf8')).toBe('secret\n');
    // An existing name (a link included) is never opened for writing.
    expect(
      await codeOf(fs.createFile(home('/.ssh/linked-file'), Buffer.from('x'), owner, guard)),
    ).toBe('FILE_CHANGED');
    expect(await readFile(real('/outside/secret'), 'utf8')).toBe('secret\n');
  });

  it('refuses a path that is not below its base', async () => {
    const fs = make();
    expect(await codeOf(fs.readGuarded('/outside/secret', guard))).toBe('INVALID_INPUT');
    expect(await codeOf(fs.readGuarded(home('/../../outside/secret'), guard))).toBe(
      'INVALID_INPUT',
    );
  });

  it('creates files and directories with owner and mode set on the descriptor, and renames in place', async () => {
    const fs = make();
    const tmp = home('/.ssh/.new.tmp');
    await fs.createFile(tmp, Buffer.from([0, 1, 255]), { ...USER, mode: 0o640 }, guard);
    await fs.rename(tmp, home('/.ssh/new'), guard);
    const st = await lstat(real(home('/.ssh/new')));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([USER.uid, USER.gid, 0o640]);
    expect([...(await readFile(real(home('/.ssh/new'))))]).toEqual([0, 1, 255]);
    await fs.unlink(home('/.ssh/new'), guard);
    await fs.unlink(home('/.ssh/new'), guard); // already gone: fine
    await fs.mkdir(home('/made'), { ...USER, mode: 0o710 }, guard);
    const dir = await lstat(real(home('/made')));
    expect([dir.uid, dir.mode & 0o7777]).toEqual([USER.uid, 0o710]);
    await fs.rmdir(home('/made'), guard);
  });

  it("applies StrictModes on the way: another user's or a group/world-writable directory is UNSAFE_PATH", async () => {
    const fs = make();
    const someoneElse: PathGuard = { base: home(), trustedUid: USER.uid + 1 };
    expect(await codeOf(fs.readGuarded(home('/.ssh/authorized_keys'), someoneElse))).toBe(
      'UNSAFE_PATH',
    );
    const open = guardFor('/srv/open/u/f', '/srv/open/u', 0);
    expect(await codeOf(fs.readGuarded('/srv/open/u/f', open))).toBe('UNSAFE_PATH');
    // A root-owned sticky directory cannot redirect what root owns in it: accepted.
    const sticky = guardFor('/srv/sticky/u/f', '/srv/sticky/u', 0);
    expect(await fs.readGuarded('/srv/sticky/u/f', sticky)).toBeNull();
  });
});

describe('the StrictModes rule', () => {
  it('accepts root or the account, never group or world write except a root sticky directory', () => {
    expect(strictModesProblem({ uid: 0, mode: 0o755 }, 1000)).toBeNull();
    expect(strictModesProblem({ uid: 1000, mode: 0o700 }, 1000)).toBeNull();
    expect(strictModesProblem({ uid: 0, mode: 0o1777 }, 1000)).toBeNull();
    expect(strictModesProblem({ uid: 1001, mode: 0o700 }, 1000)).toMatch(/owned by uid 1001/);
    expect(strictModesProblem({ uid: 1000, mode: 0o770 }, 1000)).toMatch(/mode 770/);
    expect(strictModesProblem({ uid: 1000, mode: 0o1777 }, 1000)).toMatch(/writable/);
    expect(strictModesProblem({ uid: 0, mode: 0o775 }, 1000)).toMatch(/writable/);
  });

  it('follows links only to a base strictly above the path', () => {
    expect(guardFor('/home/a/.ssh/k', '/home/a', 5)).toEqual({ base: '/home/a', trustedUid: 5 });
    expect(guardFor('/home/a', '/home/a', 5).base).toBe('/');
    expect(guardFor('/etc/x', '/home/a', 5).base).toBe('/');
    expect(guardFor('/home/ab/k', '/home/a', 5).base).toBe('/');
  });
});
