import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestUserSpec {
  /** A label for the test; the real account name is `kwt<random><label>`. */
  name: string;
  password?: string;
  /** Written to ~/.ssh/authorized_keys exactly as given (0600, owned by the user). */
  authorizedKeys?: string;
  /** Allowed to run anything as root with `sudo -n` (a management account). */
  sudo?: boolean;
}

export interface TestUser {
  label: string;
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Every test account's name starts with this; nothing else on the machine may. */
export const TEST_USER_PREFIX = 'kwt';
/** The GECOS comment names the process that owns the account, so stale ones can be told apart. */
const OWNER_TAG = 'keywarden-test pid=';

/**
 * Real accounts, because sshd only logs in users getpwnam() knows. Unique names keep
 * test files that run in parallel apart; `removeTestUsers` undoes everything. An account
 * whose setup fails part way is removed again before the error is thrown: a leftover
 * account would be read by every later scan of this machine.
 */
export async function createTestUser(spec: TestUserSpec, homesDir: string): Promise<TestUser> {
  const label = spec.name.replace(/[^a-z0-9]/g, '').slice(0, 16);
  const name = `${TEST_USER_PREFIX}${randomBytes(4).toString('hex')}${label}`.slice(0, 31);
  const home = join(homesDir, name);
  await run('useradd', [
    '--create-home',
    '--home-dir',
    home,
    '--shell',
    '/bin/sh',
    '--comment',
    `${OWNER_TAG}${process.pid}`,
    name,
  ]);
  try {
    return await setUpTestUser(spec, name, home);
  } catch (err) {
    await removeTestUser(name);
    throw err;
  }
}

async function setUpTestUser(spec: TestUserSpec, name: string, home: string): Promise<TestUser> {
  if (spec.password !== undefined) {
    await runWithStdin('chpasswd', [], `${name}:${spec.password}\n`);
  } else {
    // useradd leaves '!' (locked), and with UsePAM no sshd refuses locked accounts even
    // for keys; '*' means "no password" without locking.
    await run('usermod', ['--password', '*', name]);
  }
  const { stdout } = await run('id', ['-u', name]);
  const { stdout: gidOut } = await run('id', ['-g', name]);
  const user: TestUser = { label: spec.name, name, uid: Number(stdout), gid: Number(gidOut), home };
  if (spec.sudo) {
    await writeFile(sudoersPath(name), `${name} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
  }
  if (spec.authorizedKeys !== undefined) {
    const sshDir = join(home, '.ssh');
    await mkdir(sshDir, { mode: 0o700 });
    await chown(sshDir, user.uid, user.gid);
    const file = join(sshDir, 'authorized_keys');
    await writeFile(file, spec.authorizedKeys, { mode: 0o600 });
    await chmod(file, 0o600);
    await chown(file, user.uid, user.gid);
  }
  return user;
}

export async function removeTestUsers(users: TestUser[]): Promise<void> {
  for (const user of users) await removeTestUser(user.name);
}

async function removeTestUser(name: string): Promise<void> {
  await rm(sudoersPath(name), { force: true });
  // A login that is still closing keeps the user "in use"; --force removes it anyway.
  await run('userdel', ['--remove', name])
    .catch(() => run('userdel', ['--force', '--remove', name]))
    .catch(() => undefined);
}

/**
 * Removes test accounts a crashed or killed run left behind: those whose owning process
 * is gone, and unmarked ones (made before accounts were marked) whose home no longer
 * exists. Accounts of test runs still going, here or in another checkout, are kept.
 * Returns the names removed.
 */
export async function removeStaleTestUsers(): Promise<string[]> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const stale: string[] = [];
  for (const line of passwd.split('\n')) {
    const [name, , , , gecos = '', home = ''] = line.split(':');
    if (!name?.startsWith(TEST_USER_PREFIX)) continue;
    const owner = gecos.startsWith(OWNER_TAG) ? Number(gecos.slice(OWNER_TAG.length)) : null;
    const gone =
      owner !== null && Number.isInteger(owner) ? !processAlive(owner) : !existsSync(home);
    if (gone) stale.push(name);
  }
  for (const name of stale) await removeTestUser(name);
  return stale;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runWithStdin(cmd: string, args: string[], stdin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(stdin);
  });
}

function sudoersPath(name: string): string {
  return join('/etc/sudoers.d', name);
}
