/**
 * `keywarden keys ...` and the inventory sub-commands of `keywarden hosts ...`: what scans
 * found, read through /api/v1/hosts/:id/* and /api/v1/keys. Lists are pages: `--limit`,
 * and `--cursor` with the value a page ends with.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { intOption, UsageError } from './option-values';

export const INVENTORY_OPTIONS = {
  removed: { type: 'boolean', default: false },
  keyword: { type: 'string' },
} as const;

export const INVENTORY_USAGE = `  hosts accounts|keys|private-keys|host-keys|usage HOST [--account A] [--fingerprint SHA256:...] [--removed] [--limit N] [--cursor C]
  hosts sshd HOST [--keyword K]       (effective sshd settings of the last configuration scan)
  keys list [--type T] [--host H] [--limit N] [--cursor C]
  keys show SHA256:... [--limit N] [--removed]`;

/** `hosts <sub>` handled here rather than in hosts-command.ts. */
export const INVENTORY_HOST_COMMANDS = [
  'accounts',
  'keys',
  'private-keys',
  'host-keys',
  'usage',
  'sshd',
] as const;

type Row = Record<string, unknown>;
type RowPage = { items: Row[]; nextCursor: string | null };

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};
const more = (p: { nextCursor: string | null }) =>
  p.nextCursor ? `\nmore: --cursor ${p.nextCursor}` : '';
const enc = encodeURIComponent;

function query(o: Options, keys: Array<'account' | 'fingerprint' | 'type' | 'host'>): string {
  const q = new URLSearchParams();
  for (const k of keys) if (o[k] !== undefined) q.set(k, o[k]);
  if (o.removed) q.set('includeRemoved', 'true');
  const limit = intOption(o.limit, 'limit');
  if (limit !== undefined) q.set('limit', String(limit));
  if (o.cursor) q.set('cursor', o.cursor);
  return q.size ? `?${q}` : '';
}

const optionsText = (opts: unknown) =>
  (opts as Array<{ name: string; value?: string }>)
    .map((o) => (o.value === undefined ? o.name : `${o.name}="${o.value}"`))
    .join(',') || null;
const lastUsed = (r: Row) => r.lastUsed as { at: number; from: string } | null;

const authorizedRow = (r: Row) => ({
  ...r,
  where: `${String(r.file)}:${String(r.line)}`,
  options: optionsText(r.options),
  origin: r.managed ? 'managed' : 'foreign',
  'first-seen': time(r.firstSeenAt),
  'last-used': time(lastUsed(r)?.at),
  from: lastUsed(r)?.from ?? null,
  removed: time(r.removedAt),
});
const AUTHORIZED_COLUMNS = ['account', 'fingerprint', 'type', 'where', 'options', 'origin'];
const SEEN_COLUMNS = ['first-seen', 'last-used', 'from'];

const privateRow = (r: Row) => ({ ...r, removed: time(r.removedAt) });
const PRIVATE_COLUMNS = [
  'account',
  'path',
  'type',
  'bits',
  'encrypted',
  'mode',
  'uid',
  'fingerprint',
];
const usageRow = (r: Row) => ({
  ...r,
  // The source's DNS name after its address, once reverse-ip-mapper found one.
  from: r.fromName ? `${String(r.from)} (${String(r.fromName)})` : r.from,
  'last-used': time(r.lastUsedAt),
  'first-used': time(r.firstUsedAt),
});
const USAGE_COLUMNS = ['account', 'fingerprint', 'from', 'count', 'first-used', 'last-used'];

/** The removed column only when removed items were asked for. */
const withRemoved = (o: Options, columns: string[]) =>
  o.removed ? [...columns, 'removed'] : columns;

export async function inventoryHostsCommand(
  api: ApiClient,
  sub: (typeof INVENTORY_HOST_COMMANDS)[number],
  args: string[],
  o: Options,
): Promise<Output> {
  const host = enc(need(args[0], 'host id'));
  const list = (path: string, keys: Array<'account' | 'fingerprint'>) =>
    api.call<RowPage>('GET', `/api/v1/hosts/${host}/${path}${query(o, keys)}`);
  switch (sub) {
    case 'accounts': {
      const page = await list('accounts', ['account']);
      const rows = page.items.map((r) => ({
        ...r,
        groups: (r.groups as string[]).join(','),
        removed: time(r.removedAt),
      }));
      return {
        data: page,
        human:
          table(rows, withRemoved(o, ['account', 'uid', 'gid', 'home', 'shell', 'groups'])) +
          more(page),
      };
    }
    case 'keys': {
      const page = await list('authorized-keys', ['account', 'fingerprint']);
      return {
        data: page,
        human:
          table(
            page.items.map(authorizedRow),
            withRemoved(o, [...AUTHORIZED_COLUMNS, ...SEEN_COLUMNS]),
          ) + more(page),
      };
    }
    case 'private-keys': {
      const page = await list('private-keys', ['account', 'fingerprint']);
      return {
        data: page,
        human: table(page.items.map(privateRow), withRemoved(o, PRIVATE_COLUMNS)) + more(page),
      };
    }
    case 'host-keys': {
      const page = await list('host-keys', []);
      const rows = page.items.map((r) => ({ ...r, removed: time(r.removedAt) }));
      return {
        data: page,
        human:
          table(rows, withRemoved(o, ['path', 'type', 'bits', 'fingerprint', 'error'])) +
          more(page),
      };
    }
    case 'usage': {
      const page = await list('key-usage', ['account', 'fingerprint']);
      return { data: page, human: table(page.items.map(usageRow), USAGE_COLUMNS) + more(page) };
    }
    case 'sshd': {
      const q = o.keyword ? `?keyword=${enc(o.keyword)}` : '';
      const rec = await api.call<
        Row & { settings: Row[]; errors: Row[]; ssh: { serverVersion: string | null } }
      >('GET', `/api/v1/hosts/${host}/sshd-settings${q}`);
      const rows = rec.settings.map((x) => ({
        ...x,
        values: (x.values as string[]).join(' '),
        where: `${String(x.file)}:${String(x.line)}`,
      }));
      const head = `${String(rec.sshdConfigPath)} as scanned ${time(rec.scannedAt)} (${rec.ssh.serverVersion ?? 'sshd version unknown'})`;
      const errs = rec.errors.length
        ? `\nerrors:\n${table(rec.errors, ['file', 'line', 'message'])}`
        : '';
      return { data: rec, human: `${head}\n${table(rows, ['keyword', 'values', 'where'])}${errs}` };
    }
  }
}

export async function keysCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  if (sub === 'list') {
    const page = await api.call<RowPage>('GET', `/api/v1/keys${query(o, ['type', 'host'])}`);
    const rows = page.items.map((k) => {
      const a = k.authorized as { lines: number; hosts: number };
      const s = k.stored as { files: number; hosts: number };
      return {
        ...k,
        authorized: `${a.lines} lines on ${a.hosts} hosts`,
        stored: `${s.files} files on ${s.hosts} hosts`,
      };
    });
    return {
      data: page,
      human:
        table(rows, [
          'fingerprint',
          'type',
          'bits',
          'authorized',
          'stored',
          'blacklisted',
          'comment',
        ]) + more(page),
    };
  }
  if (sub === 'show') {
    const fp = need(args[0], 'key fingerprint (SHA256:...)');
    const limit = intOption(o.limit, 'limit');
    const q = new URLSearchParams();
    if (limit !== undefined) q.set('limit', String(limit));
    if (o.removed) q.set('includeRemoved', 'true');
    const k = await api.call<
      Row & {
        authorizedKeys: RowPage;
        privateKeys: RowPage;
        usage: RowPage;
        owner: {
          personId: string;
          name: string;
          uid: string;
          state: string;
          method: string;
          detail: string | null;
        } | null;
      }
    >('GET', `/api/v1/keys/${enc(fp)}${q.size ? `?${q}` : ''}`);
    const next = (p: RowPage, part: string) =>
      p.nextCursor ? `\nmore: GET /api/v1/keys/${enc(fp)}/${part}?cursor=${enc(p.nextCursor)}` : '';
    const human = [
      `key ${fp}: ${String(k.type ?? '?')} ${k.knownType === false ? '(a type not known to Keywarden)' : `${String(k.bits ?? '?')} bits`}${k.comment ? ` (${String(k.comment)})` : ''}${k.blacklisted ? ' BLACKLISTED' : ''}`,
      k.owner
        ? `owner: ${k.owner.name} (${k.owner.uid}, ${k.owner.state}) by ${k.owner.method}${k.owner.detail ? `: ${k.owner.detail}` : ''} [person ${k.owner.personId}]`
        : 'owner: nobody known (keywarden keys attribute FP --person ID)',
      '',
      'authorized in:',
      table(
        k.authorizedKeys.items.map((r) => ({ ...authorizedRow(r), host: r.hostId })),
        withRemoved(o, ['host', 'account', 'where', 'options', 'origin', ...SEEN_COLUMNS]),
      ) + next(k.authorizedKeys, 'authorized-keys'),
      '',
      'private key stored in:',
      table(
        k.privateKeys.items.map((r) => ({ ...privateRow(r), host: r.hostId })),
        withRemoved(o, ['host', 'account', 'path', 'encrypted', 'mode', 'uid']),
      ) + next(k.privateKeys, 'private-keys'),
      '',
      'logins:',
      table(
        k.usage.items.map((r) => ({ ...usageRow(r), host: r.hostId })),
        ['host', 'account', 'from', 'count', 'last-used'],
      ) + next(k.usage, 'usage'),
    ].join('\n');
    return { data: k, human };
  }
  throw new UsageError(`keys: unknown command ${sub ?? '(none)'}; use list or show`);
}
