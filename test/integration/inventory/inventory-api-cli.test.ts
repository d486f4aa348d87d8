/**
 * The inventory as an operator reads it, through the real HTTP API and the real `keywarden`
 * CLI, from a controller whose inventory a real scan-full of a real sshd filled (see
 * scanned-host.ts). On both stores.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSshd } from '../../helpers/sshd';
import type { TestController } from '../../helpers/test-controller';
import type { ClientKey } from '../jobs/host-job-harness';
import { keywarden as runKeywarden, startScannedHost, type ScannedHost } from './scanned-host';

type Err = { error: { code: string; message: string; details: { field?: string } } };
type Page<T = Record<string, unknown>> = { items: T[]; nextCursor: string | null };
const enc = encodeURIComponent;

describe.each(['sqlite', 'mongodb'] as const)(
  'the inventory through the API and the CLI (%s)',
  (storeKind) => {
    let fixture: ScannedHost;
    let sshd: TestSshd;
    let ctl: TestController;
    let shared: ClientKey;
    let other: ClientKey;
    let added: ClientKey;
    let hostId = '';
    let alice = '';
    let bob = '';
    let tokens = { auditor: '', operator: '' };
    const get = <T>(p: string, token?: string) => ctl.api<T>('GET', p, token ? { token } : {});
    const keywarden = (args: string[], token = ctl.adminToken) => runKeywarden(ctl, args, token);

    beforeAll(async () => {
      fixture = await startScannedHost(storeKind);
      ({ sshd, ctl, shared, other, added, hostId, alice, bob, tokens } = fixture);
    }, 400_000);

    afterAll(async () => fixture?.stop());

    it("shows a host's accounts, authorized keys with last use, private keys, host keys and sshd settings", async () => {
      const h = `/api/v1/hosts/${enc(hostId)}`;
      const accounts = await get<Page>(`${h}/accounts?account=${alice}`, tokens.auditor);
      expect(accounts.status).toBe(200);
      expect(accounts.body.items).toEqual([
        expect.objectContaining({
          account: alice,
          uid: sshd.user('alice').uid,
          home: sshd.user('alice').home,
          removedAt: null,
        }),
      ]);

      const keys = await get<Page>(`${h}/authorized-keys?account=${alice}`, tokens.auditor);
      expect(keys.status).toBe(200);
      const file = path.join(sshd.user('alice').home, '.ssh', 'authorized_keys');
      const byFp = new Map(keys.body.items.map((k) => [k.fingerprint, k]));
      expect(keys.body.items).toHaveLength(3);
      expect(byFp.get(shared.fingerprint)).toMatchObject({
        account: alice,
        file,
        line: 1,
        type: 'ssh-ed25519',
        managed: false,
        options: [],
        lastUsed: { from: '127.0.0.1', at: expect.any(Number) },
        firstSeenAt: expect.any(Number),
        removedAt: null,
      });
      expect(byFp.get(other.fingerprint)).toMatchObject({
        line: 2,
        type: 'ecdsa-sha2-nistp256',
        managed: false,
        options: [{ name: 'from', value: '127.0.0.1' }, { name: 'no-pty' }],
        lastUsed: null,
      });
      expect(byFp.get(added.fingerprint)).toMatchObject({ line: 3, managed: true });

      // Paged one line at a time: the same three lines, each once.
      const paged: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: Page } = await get<Page>(
          `${h}/authorized-keys?account=${alice}&limit=1${cursor ? `&cursor=${enc(cursor)}` : ''}`,
        );
        expect(page.body.items.length).toBeLessThanOrEqual(1);
        paged.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(keys.body.items);

      const priv = await get<Page>(`${h}/private-keys?account=${bob}`, tokens.auditor);
      expect(priv.body.items).toEqual([
        expect.objectContaining({
          account: bob,
          path: path.join(sshd.user('bob').home, '.ssh', 'id_ed25519'),
          fingerprint: shared.fingerprint,
          type: 'ssh-ed25519',
          bits: 256,
          encrypted: false,
          mode: '0600',
          uid: sshd.user('bob').uid,
        }),
      ]);
      const hostKeys = await get<Page>(`${h}/host-keys`, tokens.auditor);
      expect(hostKeys.body.items.map((k) => [k.path, k.fingerprint])).toEqual([
        [sshd.hostKeyPath, sshd.hostKeyFingerprint],
      ]);
      const sshdSettings = await get<{ settings: Array<{ keyword: string; values: string[] }> }>(
        `${h}/sshd-settings?keyword=PubkeyAuthentication`,
        tokens.auditor,
      );
      expect(sshdSettings.body.settings).toEqual([
        expect.objectContaining({ keyword: 'pubkeyauthentication', values: ['yes'] }),
      ]);
      const usage = await get<Page>(`${h}/key-usage?account=${alice}`, tokens.auditor);
      expect(usage.body.items).toEqual([
        expect.objectContaining({ fingerprint: shared.fingerprint, from: '127.0.0.1', count: 1 }),
      ]);
    });

    it('shows a key as one entity: every line authorizing it, every file storing its private half', async () => {
      const k = await get<{
        type: string;
        authorized: { lines: number; hosts: number };
        stored: { files: number; hosts: number };
        authorizedKeys: Page;
        privateKeys: Page;
        usage: Page;
      }>(`/api/v1/keys/${enc(shared.fingerprint)}`, tokens.auditor);
      expect(k.status).toBe(200);
      expect(k.body).toMatchObject({
        type: 'ssh-ed25519',
        authorized: { lines: 2, hosts: 1 },
        stored: { files: 1, hosts: 1 },
      });
      expect(k.body.authorizedKeys.items.map((l) => l.account).sort()).toEqual([alice, bob].sort());
      expect(k.body.privateKeys.items.map((p) => [p.hostId, p.account])).toEqual([[hostId, bob]]);
      expect(k.body.usage.items.map((u) => u.account)).toEqual([alice]);

      const onHost = await get<Page<{ fingerprint: string }>>(
        `/api/v1/keys?host=${enc(hostId)}&limit=500`,
        tokens.auditor,
      );
      expect(onHost.body.items.map((x) => x.fingerprint)).toEqual(
        expect.arrayContaining([shared.fingerprint, other.fingerprint, added.fingerprint]),
      );
      // The scan read every account of this machine: other suites' keys may be there too.
      const ecdsa = await get<Page<{ fingerprint: string; type: string }>>(
        `/api/v1/keys?host=${enc(hostId)}&type=ecdsa-sha2-nistp256&limit=500`,
        tokens.auditor,
      );
      expect(ecdsa.body.nextCursor).toBeNull();
      expect(ecdsa.body.items).toContainEqual(
        expect.objectContaining({
          fingerprint: other.fingerprint,
          authorized: { lines: 1, hosts: 1 },
        }),
      );
      expect(ecdsa.body.items.every((k) => k.type === 'ecdsa-sha2-nistp256')).toBe(true);
      const unknown = `SHA256:${'A'.repeat(43)}`;
      expect((await get<Err>(`/api/v1/keys/${enc(unknown)}`)).status).toBe(404);
    });

    it('refuses a bad filter with a 400 naming the field, and an unknown host with a 404', async () => {
      const h = `/api/v1/hosts/${enc(hostId)}`;
      for (const [url, field] of [
        [`${h}/authorized-keys?fingerprint=not-a-fingerprint`, 'fingerprint'],
        [`${h}/authorized-keys?limit=501`, 'limit'],
        [`${h}/private-keys?acount=${bob}`, 'acount'],
        [`${h}/accounts?account=${enc('a b')}`, 'account'],
        ['/api/v1/keys?type=Not%20A%20Type', 'type'],
        ['/api/v1/keys/SHA256:short', 'fingerprint'],
        [`${h}/key-usage?cursor=forged`, 'cursor'],
        [`/api/v1/keys/${enc(shared.fingerprint)}?cursor=x`, 'cursor'],
      ] as const) {
        const res = await get<Err>(url, tokens.auditor);
        expect([url, res.status]).toEqual([url, 400]);
        expect(res.body.error.code).toBe('INVALID_INPUT');
        expect(res.body.error.details.field).toBe(field);
        expect(res.body.error.message).toContain(field);
      }
      // The filters are in the OpenAPI document, with what they accept.
      const doc = await ctl.api<{
        paths: Record<string, { get?: { parameters?: Array<{ name: string; schema: unknown }> } }>;
      }>('GET', '/api/v1/openapi.json', { token: null });
      const params = doc.body.paths['/api/v1/hosts/{id}/authorized-keys']?.get?.parameters ?? [];
      expect(params.find((p) => p.name === 'fingerprint')?.schema).toMatchObject({
        pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
      });
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/keys/{fingerprint}',
          '/api/v1/host-groups',
          '/api/v1/scan-intervals',
          '/api/v1/hosts/{id}/sshd-settings',
        ]),
      );
      const none = await get<Err>('/api/v1/hosts/no-such-host/authorized-keys');
      expect(none.status).toBe(404);
      expect(none.body.error.message).toContain('no-such-host');
      expect((await ctl.api('GET', `${h}/accounts`, { token: null })).status).toBe(401);
    });

    it('reads the same through the CLI, as tables and as --json, with exit codes for refusals', async () => {
      const keys = await keywarden(['hosts', 'keys', hostId, '--account', alice], tokens.auditor);
      expect(keys.code, keys.stderr).toBe(0);
      const lines = keys.stdout.trim().split('\n');
      expect(lines[0]).toMatch(
        /^ACCOUNT\s+FINGERPRINT\s+TYPE\s+WHERE\s+OPTIONS\s+ORIGIN\s+FIRST-SEEN\s+LAST-USED\s+FROM$/,
      );
      expect(keys.stdout).toMatch(
        new RegExp(
          `${alice}\\s+${shared.fingerprint.replace(/[+/]/g, '\\$&')}\\s+ssh-ed25519\\s+\\S+authorized_keys:1\\s+-\\s+foreign\\s+.*127\\.0\\.0\\.1`,
        ),
      );
      expect(keys.stdout).toContain('from="127.0.0.1",no-pty');
      expect(keys.stdout).toMatch(/authorized_keys:3\s+-\s+managed/);

      const page = await keywarden([
        '--json',
        'hosts',
        'keys',
        hostId,
        '--account',
        alice,
        '--limit',
        '2',
      ]);
      const first = JSON.parse(page.stdout) as Page;
      expect(first.items).toHaveLength(2);
      const rest = await keywarden([
        '--json',
        'hosts',
        'keys',
        hostId,
        '--account',
        alice,
        '--limit',
        '2',
        '--cursor',
        first.nextCursor!,
      ]);
      expect((JSON.parse(rest.stdout) as Page).items).toHaveLength(1);

      const show = await keywarden(['keys', 'show', shared.fingerprint], tokens.auditor);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain(`key ${shared.fingerprint}: ssh-ed25519 256 bits`);
      expect(show.stdout).toMatch(
        /authorized in:[\s\S]*private key stored in:[\s\S]*id_ed25519\s+false\s+0600/,
      );
      const json = JSON.parse(
        (await keywarden(['--json', 'keys', 'show', shared.fingerprint])).stdout,
      ) as {
        stored: { files: number };
      };
      expect(json.stored.files).toBe(1);

      const list = await keywarden([
        'keys',
        'list',
        '--host',
        hostId,
        '--type',
        'ecdsa-sha2-nistp256',
      ]);
      expect(list.stdout).toMatch(
        /ecdsa-sha2-nistp256\s+256\s+1 lines on 1 hosts\s+0 files on 0 hosts/,
      );
      const priv = await keywarden(['hosts', 'private-keys', hostId, '--account', bob]);
      expect(priv.stdout).toMatch(
        new RegExp(`${bob}\\s+\\S+id_ed25519\\s+ssh-ed25519\\s+256\\s+false\\s+0600`),
      );
      const sshdOut = await keywarden([
        'hosts',
        'sshd',
        hostId,
        '--keyword',
        'pubkeyauthentication',
      ]);
      expect(sshdOut.stdout).toMatch(/pubkeyauthentication\s+yes\s+\S+sshd_config:\d+/);
      for (const sub of ['accounts', 'host-keys', 'usage'])
        expect((await keywarden(['--json', 'hosts', sub, hostId])).code).toBe(0);

      const bad = await keywarden(['hosts', 'keys', hostId, '--fingerprint', 'nope']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/INVALID_INPUT: .*fingerprint/);
      expect((await keywarden(['keys', 'show', `SHA256:${'B'.repeat(43)}`])).code).toBe(4);

      expect((await keywarden(['intervals', 'set', '--full', '3h'], tokens.auditor)).code).toBe(3);
      const set = await keywarden(
        ['intervals', 'set', '--full', '3h', '--configs', 'off'],
        tokens.operator,
      );
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toMatch(/scan-full\s+3h/);
      expect(set.stdout).toMatch(/scan-configs\s+off/);
      expect(set.stdout).toMatch(/schedules follow \(job \w+\)/);
      expect((await keywarden(['groups', 'create', 'web'], tokens.operator)).code).toBe(0);
      const created = await keywarden(['groups', 'create', 'db', '--id', 'db'], tokens.operator);
      expect(created.stdout).toContain('group db (db) created');
      const groupSet = await keywarden(
        ['intervals', 'set', '--group', 'db', '--full', '1d'],
        tokens.operator,
      );
      expect(groupSet.stdout).toMatch(/scan-full\s+1d/);
      expect((await keywarden(['groups', 'list'])).stdout).toMatch(/db\s+db\s+scan-full=1d/);
      const firstGroups = JSON.parse(
        (await keywarden(['--json', 'groups', 'list', '--limit', '1'], tokens.auditor)).stdout,
      ) as Page<{ name: string }>;
      expect(firstGroups).toEqual({
        items: [expect.objectContaining({ name: 'db' })],
        nextCursor: 'db',
      });
      const moreGroups = await keywarden(['groups', 'list', '--limit', '1', '--cursor', 'db']);
      expect(moreGroups.stdout).toMatch(/\sweb\s/);
      expect((await keywarden(['intervals', 'show'])).stdout).toMatch(/scan-full\s+3h/);
      expect(
        (await keywarden(['intervals', 'set', '--full', 'inherit'], tokens.operator)).code,
      ).toBe(2);
    }, 240_000);

    it('keeps a line Keywarden removed, shown with its removal time when asked for', async () => {
      const removal = await fixture.runJob('remove-authorized-key', {
        connection: fixture.connection,
        sshdConfigPath: sshd.configPath,
        account: alice,
        fingerprint: added.fingerprint,
      });
      expect(removal.state, JSON.stringify(removal.error)).toBe('completed');
      const h = `/api/v1/hosts/${enc(hostId)}/authorized-keys?account=${alice}`;
      const present = await get<Page<{ fingerprint: string }>>(h, tokens.auditor);
      expect(present.body.items.map((k) => k.fingerprint).sort()).toEqual(
        [shared.fingerprint, other.fingerprint].sort(),
      );
      const all = await get<Page<{ fingerprint: string; removedAt: number | null }>>(
        `${h}&includeRemoved=true`,
        tokens.auditor,
      );
      expect(all.body.items.find((k) => k.fingerprint === added.fingerprint)?.removedAt).toEqual(
        expect.any(Number),
      );
      const key = await get<{ authorized: { lines: number } }>(
        `/api/v1/keys/${enc(added.fingerprint)}?includeRemoved=true`,
      );
      expect(key.status).toBe(200);
      expect(key.body.authorized.lines).toBe(0);
      const cli = await keywarden(['hosts', 'keys', hostId, '--account', alice, '--removed']);
      expect(cli.stdout.split('\n')[0]).toMatch(/\sREMOVED$/);
      expect(cli.stdout).toMatch(/managed\s+.*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    });
  },
);
