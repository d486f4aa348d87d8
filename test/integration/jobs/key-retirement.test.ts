import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../controller/inventory/host-target';
import { inventoryItemKey } from '../../../controller/store/inventory-records';
import type { TestSshd } from '../../helpers/sshd';
import { generateClientKey, startTestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { hostIdOf, rootConnection, runJob, type ClientKey } from './host-job-harness';

const DAY = 86_400_000;

/** Unused keys retired in stages, judged by a real sshd and real ssh logins. */
describe('key retirement: quarantine, restore, retire against a real sshd', () => {
  let sshd: TestSshd;
  let eng: TestEngine;
  let connection: Connection;
  let hostId = '';
  let keyDir = '';
  let unused: ClientKey;
  let kept: ClientKey;
  let nowhere: ClientKey;
  let original = '';
  let keysFile = '';
  let alice = '';
  const scope = () => ({
    hostId,
    targets: [{ connection }],
    sshdConfigPath: sshd.configPath,
  });

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-retire-'));
    const root = await generateClientKey(keyDir, 'root');
    unused = await generateClientKey(keyDir, 'unused');
    kept = await generateClientKey(keyDir, 'kept', 'ecdsa');
    nowhere = await generateClientKey(keyDir, 'nowhere');
    // Hand-written, with odd spacing, a non-canonical option spelling and CRLF endings: a
    // restore must give back these bytes, not a re-formatting of them.
    original = `# Alice's keys\r\n${kept.publicKey}\r\n\tno-X11-forwarding,no-pty   ${unused.publicKey}  old laptop \r\n# end`;
    sshd = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [
        { name: 'alice', authorizedKeys: original },
        // The quarantine's from= alone, to show it matches no source address.
        { name: 'bob', authorizedKeys: `from="0.0.0.0/32" ${nowhere.publicKey}\n` },
      ],
    });
    eng = await startTestEngine({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]) },
    });
    alice = sshd.user('alice').name;
    keysFile = join(sshd.user('alice').home, '.ssh', 'authorized_keys');
    connection = await rootConnection(sshd, root);
    hostId = hostIdOf(connection);
  });

  afterAll(async () => {
    await eng?.stop();
    await sshd?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  const login = (key: ClientKey, user = alice) =>
    sshLogin({ host: sshd.address, port: sshd.port, user, identityFile: key.path });

  /** Keywarden has known the key for `days` (key activity cannot say more than that). */
  const knownSince = (key: ClientKey, days: number) =>
    eng.store.inventory.items.upsert(
      {
        kind: 'authorized-key',
        hostId,
        key: inventoryItemKey('authorized-key', {
          account: alice,
          file: keysFile,
          fingerprint: key.fingerprint,
        }),
        account: alice,
        fingerprint: key.fingerprint,
        data: {
          file: keysFile,
          line: 0,
          options: [],
          type: '',
          bits: 0,
          comment: '',
          managed: false,
        },
      },
      Date.now() - days * DAY,
    );

  it('refuses a key Keywarden has not known for N days, and a key used within N days', async () => {
    await knownSince(kept, 200);
    await knownSince(unused, 200);
    const scan = await runJob(eng, 'scan-authorized-keys', {
      connection,
      sshdConfigPath: sshd.configPath,
    });
    expect(scan.state).toBe('completed');
    const young = await runJob(eng, 'quarantine-key', {
      ...scope(),
      fingerprint: nowhere.fingerprint,
      unusedDays: 90,
    });
    expect(young).toMatchObject({ state: 'failed', error: { code: 'CONFLICT' } });
    expect(young.error?.message).toMatch(/first seen .*cannot tell it was unused for 90 days/);

    await eng.store.inventory.keyUsage.record(hostId, [
      {
        account: alice,
        fingerprint: kept.fingerprint,
        from: '127.0.0.1',
        at: Date.now() - 3 * DAY,
      },
    ]);
    const used = await runJob(eng, 'quarantine-key', {
      ...scope(),
      fingerprint: kept.fingerprint,
      unusedDays: 90,
    });
    expect(used).toMatchObject({ state: 'failed', error: { code: 'CONFLICT' } });
    expect(used.error?.message).toMatch(/was used .* within the last 90 days: it is not unused/);
    // Nothing was touched or recorded.
    expect(await readFile(keysFile, 'utf8')).toBe(original);
    expect(await eng.store.keyQuarantines.list({})).toEqual([]);
  });

  it('quarantines: that key is refused by sshd, every other byte of the file is the same', async () => {
    expect((await login(unused)).code).toBe(0);
    const job = await runJob(eng, 'quarantine-key', {
      ...scope(),
      fingerprint: unused.fingerprint,
      unusedDays: 90,
      watchDays: 30,
    });
    expect(job.state).toBe('completed');
    const text = await readFile(keysFile, 'utf8');
    // The key's own words and comment stay; only the options field is the quarantine's.
    const expiry = /expiry-time="(\d{14})Z"/.exec(text)?.[1];
    expect(expiry).toBeDefined();
    const line = `\trestrict,from="0.0.0.0/32",expiry-time="${expiry}Z" ${unused.publicKey}  old laptop \r`;
    expect(text).toBe(
      original.replace(`\tno-X11-forwarding,no-pty   ${unused.publicKey}  old laptop \r`, line),
    );
    expect((await login(unused)).code).not.toBe(0);
    expect((await login(kept)).code).toBe(0);
    const [rec] = await eng.store.keyQuarantines.list({ fingerprint: unused.fingerprint });
    expect(rec).toMatchObject({
      state: 'quarantined',
      account: alice,
      file: keysFile,
      // Without its line ending (\r\n, kept by the file)
      originalLine: `\tno-X11-forwarding,no-pty   ${unused.publicKey}  old laptop `,
    });
    expect(rec!.watchUntil - rec!.quarantinedAt).toBeGreaterThan(29 * DAY);
    const audit = await eng.store.audit.list({ action: 'key.quarantined' }, { limit: 10 });
    expect(audit.items[0]).toMatchObject({ subject: unused.fingerprint, actor: 'admin:test' });
    // Deleting is refused during the watch period.
    const early = await runJob(eng, 'retire-key', { ...scope(), fingerprint: unused.fingerprint });
    expect(early).toMatchObject({ state: 'failed', error: { code: 'CONFLICT' } });
    expect(early.error?.message).toMatch(
      /still in its watch period .* can be restored, not deleted/,
    );
  });

  it("the quarantine's from= alone matches no client address", async () => {
    expect((await login(nowhere, sshd.user('bob').name)).code).not.toBe(0);
    await sshd.waitForLog(/correct key but not from a permitted host/);
  });

  it('restores in one step: the login works again and the file is byte-identical', async () => {
    const job = await runJob(eng, 'restore-key', { ...scope(), fingerprint: unused.fingerprint });
    expect(job.state).toBe('completed');
    expect(await readFile(keysFile, 'utf8')).toBe(original);
    expect((await login(unused)).code).toBe(0);
    const [rec] = await eng.store.keyQuarantines.list({ fingerprint: unused.fingerprint });
    expect(rec?.state).toBe('restored');
    // Restoring again finds nothing to restore.
    const again = await runJob(eng, 'restore-key', { ...scope(), fingerprint: unused.fingerprint });
    expect(again).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });
  });

  it('retires after the watch period: the line is gone, the rest of the file untouched', async () => {
    const q = await runJob(eng, 'quarantine-key', {
      ...scope(),
      fingerprint: unused.fingerprint,
      unusedDays: 90,
      watchDays: 0,
    });
    expect(q.state).toBe('completed');
    expect((await login(unused)).code).not.toBe(0);
    const job = await runJob(eng, 'retire-key', { ...scope(), fingerprint: unused.fingerprint });
    expect(job.state).toBe('completed');
    expect(await readFile(keysFile, 'utf8')).toBe(
      original.replace(`\tno-X11-forwarding,no-pty   ${unused.publicKey}  old laptop \r\n`, ''),
    );
    expect((await login(unused)).code).not.toBe(0);
    expect((await login(kept)).code).toBe(0);
    const [rec] = await eng.store.keyQuarantines.list({ fingerprint: unused.fingerprint });
    expect(rec?.state).toBe('deleted');
    const [item] = await eng.store.inventory.items.list('authorized-key', {
      fingerprint: unused.fingerprint,
      includeRemoved: true,
    });
    expect(item?.removedAt).toEqual(expect.any(Number));
    const actions = (
      await eng.store.audit.list({ subject: unused.fingerprint }, { limit: 50 })
    ).items
      .map((e) => e.action)
      .reverse();
    expect(actions).toEqual([
      'key.quarantine-requested',
      'key.quarantined',
      'key.restore-requested',
      'key.restored',
      'key.quarantine-requested',
      'key.quarantined',
      'key.retire-requested',
      'key.retired',
    ]);
  });
});
