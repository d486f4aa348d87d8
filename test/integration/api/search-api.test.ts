/**
 * Searching on the server, on each store: hosts by text in the name, address, id or OS,
 * and keys by the start of their fingerprint or by text in an authorized line's comment.
 * Pages follow the cursor, the text matches as written (no wildcard of either store leaks
 * through), and a search too long is refused naming the field.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewInventoryItem } from '../../../controller/store/inventory-records';
import type { NewHost } from '../../../controller/store/host-records';
import { startTestController, type TestController } from '../../helpers/test-controller';

type Page<T> = { items: T[]; nextCursor: string | null };
type HostBody = { id: string; name: string };
type KeyBody = { fingerprint: string; comment: string | null };

const fp = (seed: string) =>
  `SHA256:${createHash('sha256').update(seed).digest('base64').replace(/=+$/, '')}`;

const host = (id: string, name: string, address: string, os: string | null): NewHost => ({
  id,
  name,
  address,
  port: 22,
  // Discovered: no robot scans these made-up hosts and changes their state mid-test.
  kind: id === 'h-web-3' ? 'agent' : 'agentless',
  state: 'discovered',
  hostKeyFingerprint: null,
  managementAccount: null,
  agentId: null,
  os,
  sshProduct: null,
  lastSeenAt: null,
});

const line = (
  hostId: string,
  account: string,
  seed: string,
  comment: string,
): NewInventoryItem<'authorized-key'> => ({
  kind: 'authorized-key',
  hostId,
  key: `${account}|/home/${account}/.ssh/authorized_keys|${fp(seed)}`,
  account,
  fingerprint: fp(seed),
  data: {
    file: `/home/${account}/.ssh/authorized_keys`,
    line: 1,
    options: [],
    type: 'ssh-ed25519',
    bits: 256,
    comment,
    managed: false,
  },
});

describe.each(['sqlite', 'mongodb'] as const)('server-side search on %s', (store) => {
  let ctl: TestController;
  const hosts = (q: string, extra = '') =>
    ctl.api<Page<HostBody>>('GET', `/api/v1/hosts?q=${encodeURIComponent(q)}${extra}`);
  const keys = (q: string, extra = '') =>
    ctl.api<Page<KeyBody>>('GET', `/api/v1/keys?q=${encodeURIComponent(q)}${extra}`);
  const names = (p: Page<HostBody>) => p.items.map((h) => h.name).sort();

  beforeAll(async () => {
    ctl = await startTestController({ store });
    const now = Date.now();
    await ctl.services.store.hosts.createMany(
      [
        host('h-web-1', 'web-01', '10.0.7.1', 'Debian GNU/Linux 13'),
        host('h-web-2', 'Web-02', '10.0.7.2', 'Ubuntu 24.04'),
        host('h-web-3', 'web-03', '10.0.8.3', null),
        host('h-db-1', 'db_1', '10.0.9.1', 'Debian GNU/Linux 12'),
        host('h-db-2', 'dbx1', '10.0.9.2', 'Rocky 9'),
        host('h-dot-1', 'a.b', '192.168.1.1', null),
        host('h-dot-2', 'axb', '192.168.1.2', null),
      ],
      now,
    );
    const inv = ctl.services.store.inventory.items;
    await inv.sync(
      'authorized-key',
      'h-web-1',
      [
        line('h-web-1', 'alice', 'alice', 'ALICE@laptop'),
        line('h-web-1', 'bob', 'bob', 'bob@desk'),
        line('h-web-1', 'deploy', 'dot', 'x.y@ci'),
        line('h-web-1', 'deploy2', 'nodot', 'xzy@ci'),
        line('h-web-1', 'ops', 'pct', '100%_sure'),
      ],
      now,
    );
    await inv.sync(
      'authorized-key',
      'h-web-2',
      [
        line('h-web-2', 'al', 'al', 'alice@phone'),
        line('h-web-2', 'alice', 'alice', 'ALICE@laptop'),
      ],
      now,
    );
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
  });

  it('finds hosts by text in the name, address, id or OS, in any case', async () => {
    expect(names((await hosts('WEB')).body)).toEqual(['Web-02', 'web-01', 'web-03']);
    expect(names((await hosts('10.0.7.')).body)).toEqual(['Web-02', 'web-01']);
    expect(names((await hosts('h-db-')).body)).toEqual(['db_1', 'dbx1']);
    expect(names((await hosts('debian')).body)).toEqual(['db_1', 'web-01']);
    // Other filters narrow the search.
    expect(names((await hosts('web', '&kind=agent')).body)).toEqual(['web-03']);
    expect(names((await hosts('web', '&state=managed')).body)).toEqual([]);
    expect((await hosts('nothing-like-this')).body).toEqual({ items: [], nextCursor: null });
  });

  it('matches the text as written: no LIKE or regex wildcard', async () => {
    expect(names((await hosts('db_')).body)).toEqual(['db_1']);
    expect(names((await hosts('a.b')).body)).toEqual(['a.b']);
    expect((await hosts('%')).body.items).toEqual([]);
  });

  it('pages a host search with the cursor', async () => {
    const first = await hosts('web', '&limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await hosts('web', `&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.nextCursor).toBeNull();
    expect([...names(first.body), ...names(second.body)].sort()).toEqual([
      'Web-02',
      'web-01',
      'web-03',
    ]);
  });

  it('finds keys by the start of their fingerprint', async () => {
    const res = await keys(fp('alice').slice(0, 14));
    expect(res.status).toBe(200);
    expect(res.body.items.map((k) => k.fingerprint)).toEqual([fp('alice')]);
    expect((await keys(fp('bob'))).body.items.map((k) => k.fingerprint)).toEqual([fp('bob')]);
    expect((await keys('SHA256:!!')).body).toEqual({ items: [], nextCursor: null });
  });

  it('finds keys by text in a comment, as written and in any case, paged', async () => {
    const alice = await keys('alice');
    expect(alice.body.items.map((k) => k.fingerprint).sort()).toEqual(
      [fp('alice'), fp('al')].sort(),
    );
    expect((await keys('x.y')).body.items.map((k) => k.comment)).toEqual(['x.y@ci']);
    expect((await keys('%_s')).body.items.map((k) => k.comment)).toEqual(['100%_sure']);
    expect((await keys('_')).body.items.map((k) => k.comment)).toEqual(['100%_sure']);
    const first = await keys('ALICE', '&limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await keys(
      'ALICE',
      `&limit=1&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0]?.fingerprint).not.toBe(first.body.items[0]?.fingerprint);
  });

  it('reads a bounded window of lines per page of a comment search, and pages on to the end', async () => {
    const inv = ctl.services.store.inventory.items;
    const search = { kinds: ['authorized-key' as const], comment: '@' };
    const all = await inv.listFingerprints(search, { limit: 100 });
    expect(all).toEqual({
      items: ['alice', 'bob', 'dot', 'nodot', 'al'].map(fp).sort(),
      nextCursor: null,
    });
    // Two lines a page: a page holds what its window found, and the cursor goes on.
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await inv.listFingerprints(
        { ...search, scanLines: 2 },
        { limit: 100, ...(after ? { after } : {}) },
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      after = page.nextCursor ?? undefined;
      pages++;
    } while (after && pages < 20);
    expect(pages).toBeGreaterThan(2);
    expect(seen).toEqual(all.items);
  });

  it('refuses a search longer than 100 characters, naming the field', async () => {
    for (const path of ['/api/v1/hosts', '/api/v1/keys']) {
      const res = await ctl.api<{ error: { code: string; details: { field: string } } }>(
        'GET',
        `${path}?q=${'x'.repeat(101)}`,
      );
      expect(res.status, path).toBe(400);
      expect(res.body.error.details.field, path).toBe('q');
    }
  });

  it('describes q in the OpenAPI document', async () => {
    const doc = await ctl.api<{
      paths: Record<string, { get: { parameters: Array<{ name: string; schema: object }> } }>;
    }>('GET', '/api/v1/openapi.json', { token: null });
    for (const path of ['/api/v1/hosts', '/api/v1/keys']) {
      const q = doc.body.paths[path]?.get.parameters.find((p) => p.name === 'q');
      expect(q?.schema, path).toMatchObject({ type: 'string', maxLength: 100 });
    }
  });
});
