/**
 * The effective-access evaluator judged by OpenSSH: for every (identity, account, source
 * address) pair on a fleet of real sshd hosts with tricky configs and key files, the
 * evaluator's "can log in" must equal what a real `ssh -b <source> account@host true` does.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateEffectiveAccess, judgeKey } from '../../../shared/ssh/effective-access';
import type { AccessAccount } from '../../../shared/ssh/effective-access';
import { parsePublicKeyLine, type PublicKey } from '../../../shared/ssh/public-key';
import { loadSshdConfig, type LoadedSshdConfig } from '../../../shared/ssh/sshd-config';
import { randomLoopbackPrefix } from '../../helpers/sshd-fleet';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { HOST_PLANS, writeOwnedFile, type HostPlan, type PlanContext } from './openssh-judge-hosts';

const run = promisify(execFile);
const LABELS = ['alice', 'bob', 'carol'];

interface Identity {
  name: string;
  path: string;
  /** The plain key, and the certificate ssh offers first when there is one. */
  key: PublicKey;
  cert?: PublicKey;
}

interface Host {
  plan: HostPlan;
  sshd: TestSshd;
  config: LoadedSshdConfig;
  files: Map<string, string>;
  accounts: AccessAccount[];
}

async function publicKeyOf(path: string): Promise<PublicKey> {
  const parsed = parsePublicKeyLine(await readFile(path, 'utf8'));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.reason}`);
  return parsed.key;
}

async function accountOf(name: string, home: string): Promise<AccessAccount> {
  const id = async (flag: string) => (await run('id', [flag, name])).stdout.trim();
  return { name, uid: Number(await id('-u')), groups: (await id('-Gn')).split(' '), home };
}

/**
 * Exit 0: logged in. Refused: "Permission denied", or (a root login PermitRootLogin refuses
 * after the key was accepted) sshd closing the connection. Anything else is a test fault.
 */
const REFUSED = /Permission denied|closed by remote host|send disconnect: Broken pipe/;

function sshLogin(host: Host, account: string, source: string, identity: Identity) {
  const args = [
    ...['-F', '/dev/null', '-b', source, '-i', identity.path, '-p', String(host.sshd.port)],
    ...['-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
    ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=20', '-o', 'LogLevel=ERROR'],
    `${account}@${host.sshd.address}`,
    'true',
  ];
  return new Promise<boolean>((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      if (code === 0) resolve(true);
      else if (code === 255 && REFUSED.test(stderr)) resolve(false);
      else reject(new Error(`ssh ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

async function inParallel<T>(items: T[], limit: number, work: (t: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

describe('effective access, judged by real sshd logins', () => {
  const net = randomLoopbackPrefix();
  const hosts: Host[] = [];
  const identities = new Map<string, Identity>();
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-access-'));
    // sshd reads key files as the account, which must be able to reach its home below.
    await chmod(dir, 0o755);
    const pub: Record<string, string> = {};
    const plain: [string, 'ed25519' | 'ecdsa'][] = [
      ...['A', 'B', 'C', 'D', 'E', 'CA'].map((n): [string, 'ed25519'] => [n, 'ed25519']),
      ['EC', 'ecdsa'],
    ];
    for (const [name, type] of plain) {
      const k = await generateClientKey(dir, name, type);
      pub[name] = k.publicKey.split(' ').slice(0, 2).join(' ');
      identities.set(name, { name, path: k.path, key: await publicKeyOf(`${k.path}.pub`) });
    }
    await Promise.all(
      HOST_PLANS.map(async (plan, i) => {
        const hostDir = join(dir, plan.name);
        const ctx = (sshd?: TestSshd): PlanContext => ({
          net,
          dir: hostDir,
          keys: { pub },
          home: (l) => sshd?.user(l).home ?? '',
          user: (l) => sshd?.user(l).name ?? '',
        });
        const sshd = await startTestSshd({
          rootPrefix: hostDir,
          address: `${net}.${i + 1}`,
          users: LABELS.map((name) => ({ name })),
          settings: plan.settings(ctx()),
          extraConfig: plan.extraConfig(ctx()),
          rootAuthorizedKeys: plan.rootKeys(ctx()),
        });
        const p = ctx(sshd);
        const files = new Map<string, string>();
        for (const [path, content] of Object.entries(plan.files(p))) {
          const owner = sshd.users.find((u) => path.startsWith(`${u.home}/`));
          await writeOwnedFile(path, content, owner);
          files.set(path, content);
        }
        files.set(join(hostDir, 'root_authorized_keys'), plan.rootKeys(p));
        const config = await loadSshdConfig(
          {
            readFile: (f) => readFile(f, 'utf8').catch(() => undefined),
            glob: () => Promise.resolve([]),
          },
          sshd.configPath,
          { sshDir: hostDir },
        );
        const accounts = await Promise.all(sshd.users.map((u) => accountOf(u.name, u.home)));
        if (plan.withRoot) accounts.push(await accountOf('root', '/root'));
        hosts.push({ plan, sshd, config, files, accounts });
      }),
    );
    hosts.sort((a, b) => HOST_PLANS.indexOf(a.plan) - HOST_PLANS.indexOf(b.plan));
    const carol = hosts.find((h) => h.plan.name === 'trusted-ca')?.sshd.user('carol').name ?? '';
    const certs: [string, string[]][] = [
      ['certDeploy', ['-n', 'deploy']],
      ['certExpired', ['-n', 'deploy', '-V', '-2d:-1d']],
      ['certAnyone', []],
      ['certAliceP', ['-n', 'alice-p']],
      ['certCarol', ['-n', carol]],
    ];
    for (const [name, extra] of certs) {
      const k = await generateClientKey(dir, name);
      const caPath = identities.get('CA')?.path ?? '';
      await run('ssh-keygen', ['-q', '-s', caPath, '-I', name, ...extra, `${k.path}.pub`]);
      identities.set(name, {
        name,
        path: k.path,
        key: await publicKeyOf(`${k.path}.pub`),
        cert: await publicKeyOf(`${k.path}-cert.pub`),
      });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.sshd.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports every line sshd skips, with the key fingerprint, and why each key is refused', () => {
    const host = hosts.find((h) => h.plan.name === 'match') as Host;
    const bob = host.accounts.find((a) => a.name === host.sshd.user('bob').name) as AccessAccount;
    const fp = (n: string) => (identities.get(n) as Identity).key.sha256;
    const access = (octet: number) =>
      evaluateEffectiveAccess({
        config: host.config,
        account: bob,
        source: { address: `${net}.${octet}` },
        files: host.files,
        now: Date.now(),
      });
    const from11 = access(11);
    const home = host.sshd.user('bob').home;
    expect(from11.authorizedKeysFiles).toEqual([
      `${home}/.ssh/authorized_keys`,
      `${host.sshd.dir}/keys/${bob.name}`,
    ]);
    const line = (n: number) => from11.lines.find((l) => l.line === n && l.file.startsWith(home));
    expect(line(2)).toMatchObject({ status: 'usable', fingerprint: fp('A') });
    expect(line(3)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/expired/) });
    expect(line(5)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/option/) });
    expect(line(6)).toMatchObject({ status: 'skipped', fingerprint: fp('D') });
    expect(line(9)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/"from"/) });
    // A key type no OpenSSH knows yet: this sshd skips it, a newer one would use it, so
    // Keywarden reports it by its fingerprint as a type it does not know, not as refused.
    const pq = line(10);
    const pqBlob = Buffer.from(
      (host.files.get(`${home}/.ssh/authorized_keys`) ?? '').split('\n')[9]?.split(' ')[1] ?? '',
      'base64',
    );
    expect(pq).toMatchObject({
      status: 'unknown-type',
      reason: expect.stringMatching(/not known to Keywarden/),
      keyType: 'ssh-mldsa44@openssh.com',
      fingerprint: `SHA256:${createHash('sha256').update(pqBlob).digest('base64').replace(/=+$/, '')}`,
    });
    expect(from11.keys.find((k) => k.keyType === 'ssh-mldsa44@openssh.com')).toMatchObject({
      canLogIn: false,
      decidedBy: 'unknown-key-type',
    });
    expect(line(11)).toMatchObject({ status: 'cert-authority' });
    expect(from11.certificateAuthorities.map((c) => c.principals)).toEqual([
      ['deploy'],
      [bob.name],
    ]);
    // Duplicate key lines: the first line sshd accepts wins; from .12 both refuse.
    expect(from11.keys.find((k) => k.fingerprint === fp('E'))).toMatchObject({
      canLogIn: true,
      grantedBy: { line: 7 },
    });
    const e12 = access(12).keys.find((k) => k.fingerprint === fp('E'));
    expect(e12?.canLogIn).toBe(false);
    expect(e12?.reason).toMatch(/:7: source .* not permitted.*:8: entry expired/);
    expect(access(13).denied).toBe('PubkeyAuthentication no');
  });

  it('agrees with OpenSSH on every (identity, account, source) pair', async () => {
    const started = Date.now();
    const pairs = hosts.flatMap((host) =>
      host.plan.identities.flatMap((name) =>
        host.accounts.flatMap((account) =>
          host.plan.sources.map((o) => ({ host, account, source: `${net}.${o}`, name })),
        ),
      ),
    );
    const now = Date.now();
    const disagreements: string[] = [];
    const counts = { pairs: 0, loggedIn: 0, refused: 0, external: 0, externalLoggedIn: 0 };
    await inParallel(pairs, 8, async ({ host, account, source, name }) => {
      const identity = identities.get(name) as Identity;
      const input = {
        config: host.config,
        account,
        source: { address: source },
        files: host.files,
        now,
      };
      const access = evaluateEffectiveAccess(input);
      const verdict = access.keys.find((k) => k.fingerprint === identity.key.sha256);
      const byKey = verdict?.canLogIn ?? false;
      // The evaluator's two entry points must agree with each other too.
      const plain = judgeKey(input, identity.key);
      expect(plain.canLogIn, `${name} as ${account.name}`).toBe(byKey);
      const byCert = identity.cert ? judgeKey(input, identity.cert) : undefined;
      const predicted = byKey || (byCert?.canLogIn ?? false);
      const actual = await sshLogin(host, account.name, source, identity).catch(async (err) => {
        // A connection the loaded machine dropped (not an answer to the login): once more,
        // and if it happens again, what sshd logged goes into the failure.
        try {
          return await sshLogin(host, account.name, source, identity);
        } catch {
          const log = (await readFile(host.sshd.logPath, 'utf8')).split('\n');
          const tail = log
            .filter((l) => l.includes(source))
            .slice(-8)
            .join('\n');
          throw new Error(`${(err as Error).message}\nsshd log:\n${tail}`, { cause: err });
        }
      });
      counts.pairs++;
      if (!predicted && (plain.decidedBy ?? byCert?.decidedBy)) {
        // Reported as the command's to decide: not judged, counted.
        counts.external++;
        if (actual) counts.externalLoggedIn++;
        return;
      }
      counts[actual ? 'loggedIn' : 'refused']++;
      if (predicted !== actual) {
        const at = verdict?.grantedBy ?? byCert?.grantedBy;
        const why = predicted
          ? `granted by ${at?.file}:${at?.line}`
          : (access.denied ?? verdict?.reason ?? byCert?.reason ?? 'not in any file');
        disagreements.push(
          `${host.plan.name}: ${name} as ${account.name} from ${source}: ` +
            `evaluator ${predicted} (${why}), ssh ${actual}`,
        );
      }
    });
    console.log(
      `effective access vs OpenSSH: ${counts.pairs} pairs on ${hosts.length} hosts; ` +
        `${counts.loggedIn + counts.refused} judged: ${counts.loggedIn} logged in, ` +
        `${counts.refused} refused; ` +
        `${counts.external} left to AuthorizedKeysCommand (${counts.externalLoggedIn} of them logged in), ` +
        `${disagreements.length} disagreements, ${Date.now() - started} ms`,
    );
    expect(disagreements).toEqual([]);
    expect(counts.loggedIn).toBeGreaterThan(20);
    expect(counts.refused).toBeGreaterThan(20);
    // The command granted keys the files refuse or lack: the evaluator must not call those "no".
    expect(counts.externalLoggedIn).toBeGreaterThan(0);
    // A safety bound only: about 50 s on this 2-core machine at load 4, 150 s at load 40.
  }, 300_000);
});
