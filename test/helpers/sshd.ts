import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { TestUser, TestUserSpec } from './sshd-users';
import { createTestUser, removeTestUsers } from './sshd-users';

const run = promisify(execFile);

export interface TestSshdOptions {
  /** Directory for the config, host key, pid file, log and homes (default: a fresh temp dir). */
  rootPrefix?: string;
  users?: TestUserSpec[];
  port?: number;
  /** Any loopback address; default 127.0.0.1. */
  address?: string;
  /** Keywords that replace the defaults below (sshd takes the first value it reads). */
  settings?: Record<string, string>;
  /** Appended to the generated sshd_config (e.g. Match blocks). */
  extraConfig?: string;
  /**
   * Lets root log in with these keys, read from a file in the test dir (never /root/.ssh),
   * for sessions that manage files as root over SFTP.
   */
  rootAuthorizedKeys?: string;
}

export interface TestSshd {
  port: number;
  address: string;
  hostKeyFingerprint: string;
  hostKeyPath: string;
  configPath: string;
  /** Traditional syslog lines (`Mon DD HH:MM:SS host sshd[pid]: ...`), as auth.log has them. */
  logPath: string;
  pidPath: string;
  dir: string;
  users: TestUser[];
  user(label: string): TestUser;
  /** Resolves when a line matching `pattern` has been logged (sshd logs after the fact). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real OpenSSH server on loopback with its own config, host key and accounts, never
 * touching the system's sshd or /etc/ssh.
 */
export async function startTestSshd(opts: TestSshdOptions = {}): Promise<TestSshd> {
  const dir = opts.rootPrefix ?? (await mkdtemp(join(tmpdir(), 'kwt-sshd-')));
  await mkdir(dir, { recursive: true });
  // Accounts' homes live below: sshd drops to the user and must be able to traverse.
  await chmod(dir, 0o755);
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
  const homesDir = join(dir, 'home');
  await mkdir(homesDir, { recursive: true, mode: 0o755 });

  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kwt-host', '-f', hostKeyPath]);
  const hostKeyFingerprint = await fingerprintOf(`${hostKeyPath}.pub`);

  const users: TestUser[] = [];
  try {
    for (const spec of opts.users ?? []) users.push(await createTestUser(spec, homesDir));
  } catch (err) {
    await removeTestUsers(users);
    throw err;
  }

  const address = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(address));
  const configPath = join(dir, 'sshd_config');
  const pidPath = join(dir, 'sshd.pid');
  const logPath = join(dir, 'auth.log');
  const defaults: Record<string, string> = {
    Port: String(port),
    ListenAddress: address,
    HostKey: hostKeyPath,
    PidFile: pidPath,
    UsePAM: 'no',
    // Root-owned key files under /tmp (mode 1777) would fail StrictModes' path walk.
    StrictModes: 'no',
    PasswordAuthentication: 'yes',
    KbdInteractiveAuthentication: 'no',
    PubkeyAuthentication: 'yes',
    AuthorizedKeysFile: '.ssh/authorized_keys',
    PermitRootLogin: opts.rootAuthorizedKeys === undefined ? 'no' : 'prohibit-password',
    LogLevel: 'INFO',
    MaxStartups: '50',
    Subsystem: 'sftp internal-sftp',
    ...opts.settings,
  };
  let matchBlocks = opts.extraConfig ?? '';
  if (opts.rootAuthorizedKeys !== undefined) {
    const rootKeys = join(dir, 'root_authorized_keys');
    await writeFile(rootKeys, opts.rootAuthorizedKeys, { mode: 0o600 });
    matchBlocks += `\nMatch User root\n  AuthorizedKeysFile ${rootKeys}\n`;
  }
  const lines = Object.entries(defaults).map(([k, v]) => `${k} ${v}`);
  await writeFile(configPath, `${lines.join('\n')}\n${matchBlocks}\n`);

  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = createWriteStream(logPath, { flags: 'a', mode: 0o600 });
  const logged: string[] = [];
  const waiters = new Set<() => void>();
  const host = hostname().split('.')[0] ?? 'localhost';
  createInterface({ input: child.stderr }).on('line', (line) => {
    const entry = `${syslogTime(new Date())} ${host} sshd[${child.pid ?? 0}]: ${line}`;
    logged.push(entry);
    // sshd's session processes share its stderr and can outlive it: a line may come after stop().
    if (!log.writableEnded) log.write(`${entry}\n`);
    for (const wake of waiters) wake();
  });

  const waitForLog = (pattern: RegExp, timeoutMs = 5_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = logged.find((l) => pattern.test(l));
        if (hit === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`sshd did not log ${pattern} within ${timeoutMs} ms:\n${logged.join('\n')}`),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await new Promise<void>((resolve) => log.end(resolve));
    await removeTestUsers(users);
    if (opts.rootPrefix === undefined) await rm(dir, { recursive: true, force: true });
  };

  try {
    await Promise.race([
      waitForLog(/Server listening on/, 10_000),
      exited.then(() => {
        throw new Error(`sshd exited at start:\n${logged.join('\n')}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }

  const user = (label: string): TestUser => {
    const found = users.find((u) => u.label === label);
    if (!found) throw new Error(`no test user labelled ${label}`);
    return found;
  };
  return {
    port,
    address,
    hostKeyFingerprint,
    hostKeyPath,
    configPath,
    logPath,
    pidPath,
    dir,
    users,
    user,
    waitForLog,
    stop,
  };
}

/** `SHA256:...` exactly as ssh-keygen prints it. */
export async function fingerprintOf(publicKeyPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath]);
  const fp = stdout.split(' ')[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${stdout}`);
  return fp;
}

/** A client key pair in `dir`, for logging in with `ssh -i`. */
export async function generateClientKey(
  dir: string,
  name: string,
  type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519',
): Promise<{ path: string; publicKey: string; fingerprint: string }> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `${name}@kwt`, '-f', path]);
  const publicKey = (await readFile(`${path}.pub`, 'utf8')).trim();
  return { path, publicKey, fingerprint: await fingerprintOf(`${path}.pub`) };
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function syslogTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, ' ');
  return `${MONTHS[d.getMonth()]} ${day} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
