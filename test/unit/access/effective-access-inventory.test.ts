import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  effectiveAccessFromInventory,
  effectiveAccessOnHost,
} from '../../../controller/access/effective-access';
import {
  ingestAccounts,
  ingestAuthorizedKeys,
  ingestConfigs,
} from '../../../controller/inventory/ingest-scans';
import { parseSshdConfigText } from '../../../shared/ssh/sshd-config';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';
import type { ScannedAuthorizedKey } from '../../../shared/hostops/scan-authorized-keys';

const NOW = Date.UTC(2026, 5, 1);

function key(
  account: string,
  line: number,
  fingerprint: string,
  options: ScannedAuthorizedKey['options'] = [],
  file = `/home/${account}/.ssh/authorized_keys`,
): ScannedAuthorizedKey {
  return {
    account,
    file,
    line,
    options,
    type: 'ssh-ed25519',
    bits: 256,
    fingerprint,
    md5: 'MD5:00',
    comment: '',
    managed: false,
  };
}

const account = (name: string, uid: number, groups: string[]) => ({
  name,
  uid,
  gid: uid,
  home: name === 'root' ? '/root' : `/home/${name}`,
  shell: '/bin/sh',
  gecos: '',
  groups,
});

/** The controller's question, answered from a config scan and a key scan in the store. */
describe('effective access from the inventory', () => {
  let dir = '';
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-effective-access-'));
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
    await ingestAccounts(
      store,
      'h1',
      {
        accounts: [
          account('alice', 1001, ['alice', 'ops']),
          account('bob', 1002, ['bob']),
          account('root', 0, ['root']),
        ],
        groups: [],
      },
      NOW,
    );
    const keys = [
      key('alice', 1, 'SHA256:from-net', [{ name: 'from', value: '10.0.0.0/8,!10.0.0.66' }]),
      key('alice', 2, 'SHA256:expired', [{ name: 'expiry-time', value: '20260101' }]),
      key('alice', 3, 'SHA256:plain'),
      key('alice', 1, 'SHA256:other-file', [], '/home/alice/.ssh/authorized_keys2'),
      key('bob', 1, 'SHA256:bob'),
      key('root', 1, 'SHA256:root-plain', [], '/root/.ssh/authorized_keys'),
      key(
        'root',
        2,
        'SHA256:root-forced',
        [{ name: 'command', value: '/bin/true' }],
        '/root/.ssh/authorized_keys',
      ),
    ];
    await ingestAuthorizedKeys(
      store,
      'h1',
      {
        keys,
        invalidLines: [],
        files: [],
        patterns: [],
        configErrors: [],
        findings: [],
        unsafePaths: [],
      },
      NOW,
    );
    await store.inventory.hostConfigs.put({
      hostId: 'h1',
      scannedAt: NOW,
      os: null,
      ssh: { product: 'OpenSSH', serverVersion: 'OpenSSH_9.2p1', clientVersion: null },
      sshdConfigPath: '/etc/ssh/sshd_config',
      files: [],
      errors: [],
      settings: [
        {
          keyword: 'authorizedkeysfile',
          values: ['.ssh/authorized_keys'],
          file: '/etc/ssh/sshd_config',
          line: 3,
        },
        { keyword: 'allowgroups', values: ['ops', 'root'], file: '/etc/ssh/sshd_config', line: 4 },
        {
          keyword: 'permitrootlogin',
          values: ['forced-commands-only'],
          file: '/etc/ssh/sshd_config',
          line: 5,
        },
        {
          keyword: 'trustedusercakeys',
          values: ['/etc/ssh/ca.pub'],
          file: '/etc/ssh/sshd_config',
          line: 6,
        },
      ],
    });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (account: string, sourceAddress: string) =>
    effectiveAccessFromInventory(store, { hostId: 'h1', account, sourceAddress, now: NOW });
  const open = (a: { keys: { fingerprint: string; canLogIn: boolean }[] }) =>
    a.keys.filter((k) => k.canLogIn).map((k) => k.fingerprint);

  it("applies the line options and the scanned AuthorizedKeysFile to the account's keys", async () => {
    const inside = await ask('alice', '10.1.2.3');
    expect(open(inside)).toEqual(['SHA256:from-net', 'SHA256:plain']);
    expect(inside.keys.find((k) => k.fingerprint === 'SHA256:expired')?.reason).toMatch(/expired/);
    // authorized_keys2 is not in this host's AuthorizedKeysFile: its key opens nothing.
    expect(inside.keys.map((k) => k.fingerprint)).not.toContain('SHA256:other-file');
    expect(open(await ask('alice', '10.0.0.66'))).toEqual(['SHA256:plain']);
    expect(inside.limitations.join('\n')).toMatch(
      /Match blocks[\s\S]*TrustedUserCAKeys \/etc\/ssh\/ca.pub/,
    );
  });

  it('refuses an account AllowGroups leaves out, and root without a forced command', async () => {
    const bob = await ask('bob', '10.1.2.3');
    expect(bob.denied).toBe("none of the user's groups are listed in AllowGroups");
    expect(open(bob)).toEqual([]);
    const root = await ask('root', '10.1.2.3');
    expect(open(root)).toEqual(['SHA256:root-forced']);
    expect(root.keys.find((k) => k.fingerprint === 'SHA256:root-plain')?.reason).toMatch(
      /forced-commands-only/,
    );
  });

  it('applies the Match blocks a config scan carries, for the account and the source', async () => {
    const text = [
      'AuthorizedKeysFile .ssh/authorized_keys',
      'Match Address 192.0.2.0/24',
      '  PubkeyAuthentication no',
      'Match Group ops',
      '  AuthorizedKeysFile .ssh/authorized_keys2',
    ].join('\n');
    const loaded = parseSshdConfigText(text, '/etc/ssh/sshd_config');
    const scan = {
      os: null,
      ssh: { product: 'OpenSSH', serverVersion: 'OpenSSH_9.2p1', clientVersion: null },
      sshdConfig: {
        path: '/etc/ssh/sshd_config',
        files: [],
        errors: [],
        settings: [],
        entries: loaded.entries,
      },
      hostKeys: [],
      findings: [],
    };
    await ingestAccounts(
      store,
      'h2',
      { accounts: [account('alice', 1001, ['alice', 'ops'])], groups: [] },
      NOW,
    );
    await ingestAuthorizedKeys(
      store,
      'h2',
      {
        keys: [
          key('alice', 1, 'SHA256:ak1'),
          key('alice', 1, 'SHA256:ak2', [], '/home/alice/.ssh/authorized_keys2'),
        ],
        invalidLines: [],
        files: [],
        patterns: [],
        configErrors: [],
        findings: [],
        unsafePaths: [],
      },
      NOW,
    );
    await ingestConfigs(store, 'h2', scan, NOW);
    const ask2 = (sourceAddress: string) =>
      effectiveAccessFromInventory(store, {
        hostId: 'h2',
        account: 'alice',
        sourceAddress,
        now: NOW,
      });
    const fromLan = await ask2('10.1.2.3');
    // alice is in ops: Match Group makes authorized_keys2 her only key file.
    expect(fromLan.authorizedKeysFiles).toEqual(['/home/alice/.ssh/authorized_keys2']);
    expect(open(fromLan)).toEqual(['SHA256:ak2']);
    expect(fromLan.limitations.join('\n')).not.toMatch(/Match blocks/);
    expect((await ask2('192.0.2.7')).denied).toBe('PubkeyAuthentication no');
  });

  it('answers for every account of the host with keys, each as sshd decides it', async () => {
    const all = await effectiveAccessOnHost(store, {
      hostId: 'h1',
      sourceAddress: '10.1.2.3',
      now: NOW,
    });
    expect(all.map((a) => [a.account, open(a)])).toEqual([
      ['alice', ['SHA256:from-net', 'SHA256:plain']],
      ['bob', []],
      ['root', ['SHA256:root-forced']],
    ]);
  });

  it('says clearly when the host or the account is not in the inventory', async () => {
    await expect(
      effectiveAccessFromInventory(store, {
        hostId: 'nope',
        account: 'alice',
        sourceAddress: '10.1.2.3',
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/nope/) });
    await expect(ask('mallory', '10.1.2.3')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/mallory/),
    });
  });
});
