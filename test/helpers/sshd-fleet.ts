/**
 * Many real sshd "hosts" on one machine: each listens on its own loopback address
 * (127.A.B.n, port 22 by default), with its own host key, directory (root prefix) and a
 * management account that has a password and sudo. A fleet's subnet is random so suites
 * and engineers running at once do not collide.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { startTestSshd, type TestSshd } from './sshd';

const run = promisify(execFile);

export interface FleetHost {
  sshd: TestSshd;
  address: string;
  port: number;
  account: string;
  password: string;
  /** Regenerates the host key and makes sshd load it (SIGHUP re-executes sshd). */
  changeHostKey(): Promise<string>;
  authorizedKeys(): Promise<string>;
}

export interface SshdFleet {
  /** `127.A.B` — the /24 the fleet's addresses are in. */
  prefix: string;
  hosts: FleetHost[];
  stop(): Promise<void>;
}

/** A /24 on loopback nobody else in this run uses (random, 127.100-199.x). */
export function randomLoopbackPrefix(): string {
  return `127.${randomInt(100, 200)}.${randomInt(1, 255)}`;
}

export async function startSshdFleet(opts: {
  count: number;
  prefix?: string;
  /** Last octets to use (default 1..count). */
  octets?: number[];
  port?: number;
  parallel?: number;
  /** sshd settings of the host at `address` (e.g. its own AuthorizedKeysFile). */
  settings?: (address: string) => Record<string, string>;
}): Promise<SshdFleet> {
  const prefix = opts.prefix ?? randomLoopbackPrefix();
  const octets = opts.octets ?? Array.from({ length: opts.count }, (_, i) => i + 1);
  const hosts: FleetHost[] = [];
  const stopAll = async () => {
    await Promise.all(hosts.map((h) => h.sshd.stop().catch(() => undefined)));
  };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < octets.length; i = next++) {
      const address = `${prefix}.${octets[i] as number}`;
      const password = `pw-${randomInt(1e9)}-${i}`;
      const sshd = await startTestSshd({
        address,
        port: opts.port ?? 22,
        users: [{ name: 'mgmt', password, sudo: true }],
        ...(opts.settings ? { settings: opts.settings(address) } : {}),
      });
      const account = sshd.user('mgmt').name;
      hosts.push({
        sshd,
        address,
        port: sshd.port,
        account,
        password,
        async changeHostKey() {
          await run('rm', ['-f', sshd.hostKeyPath, `${sshd.hostKeyPath}.pub`]);
          await run('ssh-keygen', [
            '-q',
            '-t',
            'ed25519',
            '-N',
            '',
            '-C',
            'kwt-host-2',
            '-f',
            sshd.hostKeyPath,
          ]);
          const pid = Number((await readFile(sshd.pidPath, 'utf8')).trim());
          process.kill(pid, 'SIGHUP');
          const { stdout } = await run('ssh-keygen', [
            '-l',
            '-E',
            'sha256',
            '-f',
            `${sshd.hostKeyPath}.pub`,
          ]);
          return stdout.split(' ')[1] as string;
        },
        authorizedKeys: () =>
          readFile(`${sshd.user('mgmt').home}/.ssh/authorized_keys`, 'utf8').catch(() => ''),
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.parallel ?? 6, octets.length) }, worker));
  } catch (err) {
    await stopAll();
    throw err;
  }
  hosts.sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }));
  return { prefix, hosts, stop: stopAll };
}
