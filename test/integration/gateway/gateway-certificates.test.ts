/**
 * A person's OpenSSH user certificate as their credential at the gateway, and an
 * authorization's own from= applied to where the person connects from. Real parts: a CA
 * made by ssh-keygen, certificates it signs, a revocation list from `ssh-keygen -k`, the
 * person's real `ssh` (`-o CertificateFile`, `-b` to pick a loopback source address) through
 * the gateway to a real sshd host.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonRecord } from '../../../controller/store/directory-records';
import { newId } from '../../../controller/store/ids';
import { generateClientKey } from '../../helpers/sshd';
import { startGatewayFixture, type GatewayFixture, type Key } from './gateway-fixture';

const run = promisify(execFile);

/**
 * The person's ssh at the default log level, where OpenSSH prints the gateway's banner (why
 * a certificate was refused); `-b` binds the client to another loopback source address.
 */
function ssh(
  fx: GatewayFixture,
  key: Key,
  opts: { certificate?: string; bind?: string; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    '-F',
    '/dev/null',
    '-i',
    key.path,
    ...(opts.certificate ? ['-o', `CertificateFile=${opts.certificate}`] : []),
    ...(opts.bind ? ['-b', opts.bind] : []),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-p',
    String(fx.gatewayPort),
    '-tt',
    `${fx.deploy.name}@${fx.hostId}@127.0.0.1`,
  ];
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.write(opts.input ?? 'exit\n');
  });
}

describe('session gateway: certificates as the credential, and from= on where the person is', () => {
  let fx: GatewayFixture;
  let dir = '';
  let ca = '';
  let otherCa = '';

  /** A fresh key and a certificate of it signed by `signer`, kept apart from `-i`'s auto-load. */
  async function certified(name: string, signer: string, signArgs: string[]) {
    const key = await generateClientKey(dir, name);
    await run('ssh-keygen', ['-q', '-s', signer, '-I', `${name}-id`, ...signArgs, key.path]);
    const certificate = join(dir, `${name}.certificate.pub`);
    await rename(`${key.path}-cert.pub`, certificate);
    return { key, certificate };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-gw-cert-'));
    ca = join(dir, 'user_ca');
    otherCa = join(dir, 'other_ca');
    for (const f of [ca, otherCa])
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ca', '-f', f]);
    // The CA's own revocation list: serial 666 is revoked.
    await writeFile(join(dir, 'krl.spec'), 'serial: 666\n');
    const krl = join(dir, 'revoked.krl');
    await run('ssh-keygen', ['-q', '-k', '-f', krl, '-s', `${ca}.pub`, join(dir, 'krl.spec')]);
    fx = await startGatewayFixture({
      env: {
        KEYWARDEN_GATEWAY_TRUSTED_USER_CA_KEYS: `${ca}.pub`,
        KEYWARDEN_GATEWAY_REVOKED_KEYS: krl,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await fx?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets a person in with a certificate from the trusted CA naming their uid, and records which certificate', async () => {
    // ivy's directory key has the authorization; the certificate's key is registered nowhere.
    const ivy = await fx.addPerson('ivy');
    await fx.grant(ivy.person);
    const { key, certificate } = await certified('ivy-laptop', ca, [
      '-n',
      'ivy',
      '-z',
      '41',
      '-V',
      '-5m:+1h',
    ]);
    const res = await ssh(fx, key, {
      certificate,
      input: 'echo cert-marker-$((6*7)); whoami\nexit 0\n',
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('cert-marker-42');
    expect(res.stdout).toContain(fx.deploy.name);
    const session = (await fx.sessions()).find((s) => s.personUid === 'ivy');
    expect(session).toMatchObject({ state: 'ended', personFingerprint: key.fingerprint });
    const events = await fx.events(session?.id as string);
    expect(events.find((e) => e.type === 'certificate')?.details).toMatchObject({
      keyId: 'ivy-laptop-id',
      serial: '41',
      principals: ['ivy'],
    });
  });

  it('refuses an expired certificate, one from an untrusted CA, one naming nobody, and a revoked serial, each saying why', async () => {
    await fx.addPerson('jay').then((p) => fx.grant(p.person));
    const cases: [string, string, string[], string][] = [
      ['jay-expired', ca, ['-n', 'jay', '-V', '20200101:20200102'], 'refused: expired (valid from'],
      ['jay-untrusted', otherCa, ['-n', 'jay', '-V', '-5m:+1h'], 'which is not a trusted user CA'],
      [
        'jay-principal',
        ca,
        ['-n', 'mallory', '-V', '-5m:+1h'],
        'no active person has a uid among its principals (mallory)',
      ],
      ['jay-revoked', ca, ['-n', 'jay', '-z', '666', '-V', '-5m:+1h'], 'revocation list'],
      [
        'jay-unknown-option',
        ca,
        ['-n', 'jay', '-V', '-5m:+1h', '-O', 'critical:weird@example.com=1'],
        'critical option weird@example.com is not supported',
      ],
    ];
    for (const [name, signer, signArgs, why] of cases) {
      const { key, certificate } = await certified(name, signer, signArgs);
      const res = await ssh(fx, key, { certificate, input: 'echo should-not-run\nexit\n' });
      expect(res.code, `${name}: ${res.stderr}`).toBe(255);
      expect(res.stderr, name).toContain(`keywarden: certificate "${name}-id"`);
      expect(res.stderr, name).toContain(why);
      expect(res.stderr, name).toContain('Permission denied (publickey)');
      expect(res.stdout).not.toContain('should-not-run');
    }
    // A certificate whose key is blacklisted is refused as well.
    const { key, certificate } = await certified('jay-blacklisted', ca, [
      '-n',
      'jay',
      '-V',
      '-5m:+1h',
    ]);
    await fx.ctl.services.store.inventory.blacklist.add(
      { fingerprint: key.fingerprint, reason: 'lost laptop', createdBy: 'test' },
      Date.now(),
    );
    const res = await ssh(fx, key, { certificate });
    expect(res.code).toBe(255);
    expect(res.stderr).toContain(`the certified key ${key.fingerprint} is blacklisted`);
    expect(res.stderr).not.toContain('lost laptop');
    expect((await fx.sessions()).some((s) => s.personUid === 'jay')).toBe(false);
  });

  it("honours the certificate's source-address", async () => {
    await fx.addPerson('kim').then((p) => fx.grant(p.person));
    const { key, certificate } = await certified('kim-pinned', ca, [
      '-n',
      'kim',
      '-V',
      '-5m:+1h',
      '-O',
      'source-address=127.0.0.5/32',
    ]);
    const elsewhere = await ssh(fx, key, { certificate, bind: '127.0.0.6' });
    expect(elsewhere.code).toBe(255);
    expect(elsewhere.stderr).toContain(
      "source 127.0.0.6 not permitted by the certificate's source-address",
    );
    const there = await ssh(fx, key, {
      certificate,
      bind: '127.0.0.5',
      input: 'echo from-5\nexit 0\n',
    });
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toContain('from-5');
    expect((await fx.sessions()).find((s) => s.personUid === 'kim')?.fromAddress).toBe('127.0.0.5');
  });

  it("applies the authorization's own from= to where the person connects from", async () => {
    const { person, key } = await fx.addPerson('lee');
    const k = person.keys[0] as PersonRecord['keys'][number];
    const now = Date.now();
    const authorizationId = newId(now);
    await fx.ctl.services.store.authorizations.create({
      id: authorizationId,
      fingerprint: k.fingerprint,
      publicKey: k.publicKey,
      source: { kind: 'public-key' },
      account: fx.deploy.name,
      target: { hostId: fx.hostId },
      options: [{ name: 'from', value: '127.0.0.2,127.0.0.3/32,!127.0.0.9' }],
      expiresAt: null,
      onDrift: 'restore',
      state: 'active',
      createdBy: 'test',
      createdAt: now,
      removedBy: null,
      removedAt: null,
      updatedAt: now,
    });
    const outside = await ssh(fx, key, { bind: '127.0.0.4', input: 'echo should-not-run\nexit\n' });
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain(
      `authorization ${authorizationId} lets lee in as ${fx.deploy.name}`,
    );
    expect(outside.stderr).toContain(
      'allows connections only from="127.0.0.2,127.0.0.3/32,!127.0.0.9", and you connect from 127.0.0.4',
    );
    expect(outside.stdout).not.toContain('should-not-run');
    const refused = (await fx.sessions()).find((s) => s.personUid === 'lee');
    expect(refused).toMatchObject({ state: 'failed', fromAddress: '127.0.0.4' });
    const inside = await ssh(fx, key, { bind: '127.0.0.3', input: 'echo from-3\nexit 0\n' });
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toContain('from-3');
  });
});
