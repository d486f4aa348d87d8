import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
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

/**
 * Real accounts, because sshd only logs in users getpwnam() knows. Unique names keep
 * test files that run in parallel apart; `removeTestUsers` undoes everything.
 */
export async function createTestUser(spec: TestUserSpec, homesDir: string): Promise<TestUser> {
  const label = spec.name.replace(/[^a-z0-9]/g, '').slice(0, 16);
  const name = `kwt${randomBytes(4).toString('hex')}${label}`.slice(0, 31);
  const home = join(homesDir, name);
  await run('useradd', ['--create-home', '--home-dir', home, '--shell', '/bin/sh', name]);
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
  for (const user of users) {
    await rm(sudoersPath(user.name), { force: true });
    // A login that is still closing keeps the user "in use"; --force removes it anyway.
    await run('userdel', ['--remove', user.name])
      .catch(() => run('userdel', ['--force', '--remove', user.name]))
      .catch(() => undefined);
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
