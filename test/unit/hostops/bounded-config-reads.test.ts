import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAuthorizedKeys } from '../../../shared/hostops/scan-authorized-keys';
import { scanConfigs } from '../../../shared/hostops/scan-configs';
import type { HostSession } from '../../../shared/session/host-session';
import { LocalSession } from '../../../shared/session/local-session';

/**
 * A session that counts file reads and directory listings, and fails the operation past a
 * budget: unbounded work on the old code fails here at once instead of running for minutes.
 */
function countingSession(inner: HostSession, budget = 2_000) {
  const counts = { readFile: 0, listDir: 0 };
  const spend = (what: keyof typeof counts) => {
    if (++counts[what] > budget) throw new Error(`more than ${budget} ${what} calls`);
  };
  const session = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'readFile' || prop === 'listDir') {
        return (path: string) => {
          spend(prop);
          return target[prop](path);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  return { session, counts };
}

/** sshd_config trees a host can hold to make its reader do unbounded work. */
describe('reading a hostile sshd_config within bounds', () => {
  let root = '';
  const real = (p: string) => join(root, p);
  const host = () => countingSession(new LocalSession({ rootPrefix: root }));

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-bounded-config-'));
    await mkdir(real('/etc/ssh/conf.d'), { recursive: true });
    await mkdir(real('/home/alice/.ssh'), { recursive: true });
    await writeFile(real('/etc/passwd'), 'alice:x:1500:1500::/home/alice:/bin/sh\n');
    await writeFile(real('/etc/group'), '');
    await writeFile(
      real('/home/alice/.ssh/keys'),
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice\n',
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('reports a self-including `Include x x x` as a cycle after a handful of reads', async () => {
    await writeFile(
      real('/etc/ssh/sshd_config'),
      'PasswordAuthentication no\nInclude loop.conf\nAuthorizedKeysFile .ssh/keys\n',
    );
    await writeFile(
      real('/etc/ssh/loop.conf'),
      'Include loop.conf loop.conf loop.conf\nPort 2222\n',
    );
    const { session, counts } = host();
    const started = performance.now();
    const scan = await scanConfigs(session, {
      sshdBinary: '/nonexistent',
      sshBinary: '/nonexistent',
    });
    expect(scan.sshdConfig.errors).toContainEqual(
      expect.objectContaining({ file: '/etc/ssh/loop.conf', line: 1, code: 'INCLUDE_CYCLE' }),
    );
    expect(scan.findings).toContainEqual(
      expect.objectContaining({ code: 'INCLUDE_CYCLE', path: '/etc/ssh/loop.conf' }),
    );
    // What the files say is still read, the included file's lines included.
    const setting = (k: string) => scan.sshdConfig.settings.find((s) => s.keyword === k)?.values;
    expect(setting('passwordauthentication')).toEqual(['no']);
    expect(setting('port')).toEqual(['2222']);
    expect(counts.readFile).toBeLessThanOrEqual(5); // the two configs and os-release at most
    expect(performance.now() - started).toBeLessThan(10_000);

    // The account's keys are still found through the config that follows the cycle.
    const keys = await scanAuthorizedKeys(host().session);
    expect(keys.keys.map((k) => k.comment)).toEqual(['alice']);
    expect(keys.configErrors).toContainEqual(expect.objectContaining({ code: 'INCLUDE_CYCLE' }));
  });

  it('stops a fan-out of Includes without a cycle at the file cap, reading each file once', async () => {
    // f0 includes f1 three times, f1 includes f2 three times, ...: 3^15 files to load.
    for (let i = 0; i < 16; i++) {
      await writeFile(
        real(`/etc/ssh/f${i}.conf`),
        i < 15 ? `Include f${i + 1}.conf f${i + 1}.conf f${i + 1}.conf\n` : 'MaxSessions 3\n',
      );
    }
    await writeFile(
      real('/etc/ssh/sshd_config'),
      'Include f0.conf\nAuthorizedKeysFile .ssh/keys\n',
    );
    const { session, counts } = host();
    const scan = await scanConfigs(session, {
      sshdBinary: '/nonexistent',
      sshBinary: '/nonexistent',
      limits: { configFiles: 100 },
    });
    expect(scan.findings).toContainEqual(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    expect(scan.sshdConfig.errors.filter((e) => e.code === 'LIMIT_EXCEEDED')).toHaveLength(1);
    expect(counts.readFile).toBeLessThanOrEqual(20);
    expect(scan.sshdConfig.settings.find((s) => s.keyword === 'maxsessions')?.values).toEqual([
      '3',
    ]);
  });

  it('matches an Include glob against a long file name in linear time', async () => {
    await writeFile(real(`/etc/ssh/conf.d/${'a'.repeat(60)}`), 'Port 2200\n');
    await writeFile(real('/etc/ssh/conf.d/ab'), 'Port 2201\n');
    await writeFile(real('/etc/ssh/sshd_config'), 'Include conf.d/*a*a*a*a*a*a*a*b conf.d/a?\n');
    const { session } = host();
    const started = performance.now();
    const scan = await scanConfigs(session, {
      sshdBinary: '/nonexistent',
      sshBinary: '/nonexistent',
    });
    expect(scan.sshdConfig.settings.find((s) => s.keyword === 'port')?.values).toEqual(['2201']);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reports a config file over the size cap and reads the others', async () => {
    await writeFile(real('/etc/ssh/big.conf'), `# ${'x'.repeat(4096)}\nPort 1\n`);
    await writeFile(real('/etc/ssh/sshd_config'), 'Include big.conf\nPort 2203\n');
    const scan = await scanConfigs(host().session, {
      sshdBinary: '/nonexistent',
      sshBinary: '/nonexistent',
      limits: { configFileBytes: 1024 },
    });
    expect(scan.findings).toContainEqual(
      expect.objectContaining({ code: 'FILE_TOO_LARGE', path: '/etc/ssh/big.conf' }),
    );
    expect(scan.sshdConfig.errors).toContainEqual(
      expect.objectContaining({
        code: 'FILE_TOO_LARGE',
        message: expect.stringContaining('/etc/ssh/big.conf'),
      }),
    );
    expect(scan.sshdConfig.settings.find((s) => s.keyword === 'port')?.values).toEqual(['2203']);
  });
});
