/**
 * secrets-backup (the seed's Credentials and Secrets backup) on a real controller: the
 * master key, CA and host credentials encrypted with age to an admin's public key. The
 * file holds none of them in clear; `keywarden restore-secrets` opens it with the admin's
 * identity and with no other, puts the master key and CA into a new data directory, and
 * puts back a management key renewed after the store backup.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCa } from '../../../controller/agents/certificate-authority';
import { generateManagementKey } from '../../../controller/agentless/management-key';
import { runCli } from '../../../controller/cli/main';
import type { GeneratedKey } from '../../../controller/secrets/credential-vault';
import { vaultFor } from '../../../controller/secrets/secret-boxes';
import { loadConfig } from '../../../controller/config/load-config';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { JobRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>) {
  const until = Date.now() + 180_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cli = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    env,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('secrets-backup and keywarden restore-secrets', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'kw-secrets-'));
  const backupDir = path.join(work, 'backups');
  let ctl: TestController;
  let admin = '';
  let other = '';
  let dataDir = '';
  let hostId = '';
  let renewed = '';
  let storeBackup = '';
  let secretsFile = '';
  let original: GeneratedKey;
  let newer: GeneratedKey;

  /** A run that starts now: a robot run already going (200) is waited out first. */
  const run = async (type: string): Promise<JobRecord> => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params: {} },
    });
    const ended = await waitFor(`${type} to end`, async () => {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${res.body.job.id}`)).body;
      return ['completed', 'failed'].includes(j.state) ? j : null;
    });
    return res.status === 201 ? ended : run(type);
  };

  beforeAll(async () => {
    admin = await generateIdentity();
    other = await generateIdentity();
    writeFileSync(
      path.join(work, 'admin.key'),
      `# created: 2026-11-30\n# public key: ${await identityToRecipient(admin)}\n${admin}\n`,
      { mode: 0o600 },
    );
    writeFileSync(path.join(work, 'other.key'), `${other}\n`, { mode: 0o600 });
    ctl = await startTestController({
      env: {
        KEYWARDEN_BACKUP_DIR: backupDir,
        KEYWARDEN_SECRETS_BACKUP_RECIPIENTS: await identityToRecipient(admin),
      },
    });
    dataDir = ctl.services.config.dataDir;
    await loadOrCreateCa(path.join(dataDir, 'ca'));
    const { store, config } = ctl.services;
    const host = await store.hosts.create(
      {
        name: 'secrets-host',
        address: '192.0.2.10',
        port: 22,
        kind: 'agentless',
        state: 'managed',
        hostKeyFingerprint: null,
        managementAccount: 'mgmt',
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      Date.now(),
    );
    hostId = host.id;
    const key = generateManagementKey(hostId);
    original = key;
    await vaultFor(config, store).putKey(hostId, 'management', key, Date.now());
  });
  afterAll(async () => {
    await ctl?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('writes a file with no secret in clear, after a store backup and a key renewal', async () => {
    const exported = await run('backup-export');
    expect(exported.state, JSON.stringify(exported.error)).toBe('completed');
    storeBackup = (exported.result as { backup: string }).backup;
    // The key is renewed after the store backup: only the secrets backup has the new one.
    const { store, config } = ctl.services;
    newer = generateManagementKey(hostId);
    await vaultFor(config, store).putKey(hostId, 'management', newer, Date.now() + 1000);
    renewed = newer.fingerprint;

    const job = await run('secrets-backup');
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    const result = job.result as { backup: string; credentials: number; caFiles: number };
    expect(result).toMatchObject({ credentials: 1, caFiles: 2, recipients: 1 });
    secretsFile = result.backup;
    expect(path.basename(secretsFile)).toMatch(
      /^keywarden-secrets-\d{8}T\d{6}-\d{3}Z-[0-9a-f]{6}\.age$/,
    );
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);

    const bytes = readFileSync(secretsFile);
    const text = bytes.toString('latin1');
    expect(text.startsWith('age-encryption.org/v1\n')).toBe(true);
    const masterKey = readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim();
    const caKey = readFileSync(path.join(dataDir, 'ca', 'ca.key'), 'utf8');
    const caKeyBody = caKey.split('\n').filter((l) => l && !l.startsWith('-----'));
    const mgmtBody = newer.privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
    const secrets = [
      masterKey,
      Buffer.from(masterKey, 'base64').toString('latin1'),
      Buffer.from(masterKey, 'base64').toString('hex'),
      ...caKeyBody,
      ...mgmtBody,
      'PRIVATE KEY',
      'kw1:',
    ];
    for (const s of secrets)
      expect(text.includes(s), `the file holds ${s.slice(0, 12)}...`).toBe(false);
  }, 300_000);

  it('does not open with another identity, and writes nothing', async () => {
    const target = path.join(work, 'wrong');
    const r = await cli([
      'restore-secrets',
      secretsFile,
      '--identity',
      path.join(work, 'other.key'),
      '--data-dir',
      target,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('was not encrypted to this identity');
    expect(() => readdirSync(target)).toThrow(/ENOENT/);
  }, 300_000);

  it('restores the store, then the master key, CA and the renewed key with the admin identity', async () => {
    const target = path.join(work, 'restored');
    const restored = await cli(['restore', storeBackup, '--data-dir', target]);
    expect(restored.err).toBe('');
    const r = await cli([
      'restore-secrets',
      secretsFile,
      '--identity',
      path.join(work, 'admin.key'),
      '--data-dir',
      target,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('host credentials: 1 put back');
    expect(readFileSync(path.join(target, 'master.key'))).toEqual(
      readFileSync(path.join(dataDir, 'master.key')),
    );
    expect(statSync(path.join(target, 'master.key')).mode & 0o777).toBe(0o600);
    for (const f of ['ca.key', 'ca.crt']) {
      expect(readFileSync(path.join(target, 'ca', f))).toEqual(
        readFileSync(path.join(dataDir, 'ca', f)),
      );
      expect(statSync(path.join(target, 'ca', f)).mode & 0o777).toBe(
        statSync(path.join(dataDir, 'ca', f)).mode & 0o777,
      );
    }
    // The restored store had the original key; now it has the renewed one, and it opens
    // with the restored master key.
    const store = openSqliteStore(path.join(target, 'keywarden.db'));
    try {
      const vault = vaultFor(loadConfig({ KEYWARDEN_DATA_DIR: target }), store);
      const cred = await vault.open(hostId, 'management');
      expect(cred?.fingerprint).toBe(renewed);
      expect(cred?.secret).toBe(newer.privateKey);
      expect(cred?.fingerprint).not.toBe(original.fingerprint);
    } finally {
      await store.close();
    }

    // Run again: the same files are in place, nothing is overwritten, nothing newer to put.
    const again = await cli([
      'restore-secrets',
      secretsFile,
      '--identity',
      path.join(work, 'admin.key'),
      '--data-dir',
      target,
    ]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('0 put back');
  }, 300_000);

  it('refuses to overwrite a different master key', async () => {
    const target = path.join(work, 'busy');
    await cli(['restore', storeBackup, '--data-dir', target]);
    writeFileSync(path.join(target, 'master.key'), 'another\n', { mode: 0o600 });
    const r = await cli([
      'restore-secrets',
      secretsFile,
      '--identity',
      path.join(work, 'admin.key'),
      '--data-dir',
      target,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('master.key exists and differs from the secrets backup');
    expect(readFileSync(path.join(target, 'master.key'), 'utf8')).toBe('another\n');
    expect(readdirSync(target).sort()).toEqual(['keywarden.db', 'master.key']);
  }, 300_000);
});
