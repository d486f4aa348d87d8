/**
 * `keywarden hosts ...`: agentless hosts. Secrets are read from files (or stdin with `-`),
 * never taken as command-line values, which other users can read in the process list.
 */
import { readFileSync } from 'node:fs';
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { intOption, UsageError } from './option-values';
import { table, time } from './format';
import type { Output } from './job-commands';

export const HOSTS_OPTIONS = {
  account: { type: 'string' },
  port: { type: 'string' },
  name: { type: 'string' },
  'password-file': { type: 'string' },
  'key-file': { type: 'string' },
  fingerprint: { type: 'string' },
  group: { type: 'string' },
  ids: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  wait: { type: 'boolean', default: false },
} as const;

export const HOSTS_USAGE = `  hosts list [--state S[,S]] [--limit N] [--cursor C] | hosts show ID
  hosts add ADDRESS --account A (--password-file F | --key-file F) [--port N] [--name N] [--fingerprint SHA256:...] [--group G]
  hosts import FILE.csv [--wait]      (columns: address,port,name,management_account,password,private_key,host_key_fingerprint,group_id)
  hosts discover-range CIDR [--account A (--password-file F | --key-file F)] [--port N] [--concurrency N] [--rate N] [--wait]
  hosts accept-key ID [--fingerprint SHA256:...] | hosts renew-key ID | hosts rediscover ID | hosts monitor ID | hosts manage ID
  hosts batch delete|rescan|change-state|move-group --ids A,B,...|@FILE [--state S] [--group G|none] [--wait]`;

type Row = Record<string, unknown> & { id: string };
type Job = {
  id: string;
  state: string;
  result: unknown;
  error: { code: string; message: string } | null;
};

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

function readSecret(file: string): string {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  return text.replace(/\r?\n$/, '');
}

function credential(o: Options): { password?: string; privateKey?: string } {
  if (o['password-file'] && o['key-file'])
    throw new UsageError('give --password-file or --key-file, not both');
  if (o['password-file']) return { password: readSecret(o['password-file']) };
  if (o['key-file']) return { privateKey: readFileSync(o['key-file'], 'utf8') };
  return {};
}

async function waitForJob(api: ApiClient, id: string): Promise<Job> {
  for (;;) {
    const job = await api.call<Job>('GET', `/api/v1/jobs/${id}`);
    if (!['queued', 'running'].includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const hostRow = (h: Row) => ({
  ...h,
  seen: time(h.lastSeenAt),
  address: `${String(h.address)}:${String(h.port)}`,
});
const HOST_COLUMNS = ['id', 'name', 'address', 'state', 'kind', 'os', 'seen'];

function importReport(job: Job): string {
  const r = job.result as {
    importedCount: number;
    failedCount: number;
    failed: Array<{ line: number; address: string | null; field: string; reason: string }>;
  } | null;
  if (!r)
    return `import ${job.id}: ${job.state}${job.error ? ` (${job.error.code}: ${job.error.message})` : ''}`;
  return [
    `import ${job.id}: ${r.importedCount} imported, ${r.failedCount} failed`,
    ...(r.failed.length ? ['', table(r.failed, ['line', 'address', 'field', 'reason'])] : []),
  ].join('\n');
}

export async function hostsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  const accepted = async (res: { jobId: string }, what: string): Promise<Output> => {
    if (!o.wait) return { data: res, human: `${what}: job ${res.jobId} queued` };
    const job = await waitForJob(api, res.jobId);
    return {
      data: job,
      human: `${what}: job ${job.id} ${job.state}${job.error ? ` (${job.error.code}: ${job.error.message})` : ''}`,
    };
  };
  switch (sub) {
    case 'list': {
      const q = new URLSearchParams();
      if (o.state) q.set('state', o.state);
      if (o.cursor) q.set('cursor', o.cursor);
      const limit = intOption(o.limit, 'limit');
      if (limit !== undefined) q.set('limit', String(limit));
      const res = await api.call<{ items: Row[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/hosts${q.size ? `?${q}` : ''}`,
      );
      return {
        data: res,
        human:
          table(res.items.map(hostRow), HOST_COLUMNS) +
          (res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : ''),
      };
    }
    case 'show': {
      const h = await api.call<Row & { credentials: Row[] }>(
        'GET',
        `/api/v1/hosts/${need(args[0], 'host id')}`,
      );
      const lines = Object.entries(h)
        .filter(([k]) => k !== 'credentials')
        .map(([k, v]) => `${k}: ${v === null ? '-' : String(v)}`);
      return {
        data: h,
        human: `${lines.join('\n')}\ncredentials:\n${table(h.credentials, ['slot', 'kind', 'fingerprint'])}`,
      };
    }
    case 'add': {
      const body = {
        address: need(args[0], 'address'),
        managementAccount: need(o.account, '--account'),
        ...credential(o),
        ...(o.port ? { port: intOption(o.port, 'port') } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.fingerprint ? { hostKeyFingerprint: o.fingerprint } : {}),
        ...(o.group ? { groupId: o.group } : {}),
      };
      if (!body.password && !body.privateKey)
        throw new UsageError('hosts add: give --password-file or --key-file');
      const res = await api.call<{ host: Row; discoverJobId: string | null }>(
        'POST',
        '/api/v1/hosts',
        body,
      );
      return {
        data: res,
        human: `host ${res.host.id} added (${String(res.host.state)}); discovery job ${res.discoverJobId ?? '-'}`,
      };
    }
    case 'import': {
      const file = need(args[0], 'CSV file');
      const csv = readFileSync(file === '-' ? 0 : file, 'utf8');
      const res = await api.call<{ jobId: string; rows: number }>('POST', '/api/v1/hosts/imports', {
        csv,
        fileName: file,
      });
      if (!o.wait)
        return {
          data: res,
          human: `import of ${res.rows} rows: job ${res.jobId} queued (keywarden jobs show ${res.jobId})`,
        };
      const job = await waitForJob(api, res.jobId);
      return { data: job, human: importReport(job) };
    }
    case 'discover-range': {
      const body = {
        cidr: need(args[0], 'CIDR'),
        ...(o.account ? { managementAccount: o.account } : {}),
        ...credential(o),
        ...(o.port ? { ports: [intOption(o.port, 'port')] } : {}),
        ...(o.concurrency ? { concurrency: intOption(o.concurrency, 'concurrency') } : {}),
        ...(o.rate ? { ratePerSecond: intOption(o.rate, 'rate') } : {}),
        ...(o.group ? { groupId: o.group } : {}),
      };
      const res = await api.call<{ jobId: string; addresses: number }>(
        'POST',
        '/api/v1/hosts/discoveries',
        body,
      );
      if (!o.wait)
        return { data: res, human: `scan of ${res.addresses} addresses: job ${res.jobId} queued` };
      const job = await waitForJob(api, res.jobId);
      const r = job.result as { sshServers: number; added: Row[]; alreadyKnown: Row[] } | null;
      return {
        data: job,
        human: r
          ? `found ${r.sshServers} SSH servers: ${r.added.length} added, ${r.alreadyKnown.length} already known\n${table(r.added, ['hostId', 'address', 'sshProduct'])}`
          : `scan job ${job.id} ${job.state}${job.error ? ` (${job.error.code}: ${job.error.message})` : ''}`,
      };
    }
    case 'accept-key': {
      const h = await api.call<Row>(
        'POST',
        `/api/v1/hosts/${need(args[0], 'host id')}/accept-host-key`,
        {
          ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}),
        },
      );
      return {
        data: h,
        human: `host ${h.id}: host key ${String(h.hostKeyFingerprint)} accepted; state ${String(h.state)}`,
      };
    }
    case 'renew-key':
    case 'rediscover':
    case 'monitor':
    case 'manage': {
      const path = {
        'renew-key': 'renew-management-key',
        rediscover: 'discover',
        monitor: 'monitor',
        manage: 'manage',
      }[sub];
      const id = need(args[0], 'host id');
      return accepted(
        await api.call<{ jobId: string }>('POST', `/api/v1/hosts/${id}/${path}`),
        `host ${id} ${sub}`,
      );
    }
    case 'batch': {
      const action = need(args[0], 'action (delete, rescan, change-state, move-group)');
      const raw = need(o.ids, '--ids');
      const hostIds = (raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw)
        .split(/[\s,]+/)
        .filter(Boolean);
      const body = {
        action,
        hostIds,
        ...(o.state ? { state: o.state } : {}),
        ...(o.group ? { groupId: o.group === 'none' ? null : o.group } : {}),
      };
      return accepted(
        await api.call<{ jobId: string }>('POST', '/api/v1/hosts/batch', body),
        `${action} of ${hostIds.length} hosts`,
      );
    }
    default:
      throw new UsageError(`unknown hosts command ${sub ?? ''}`.trim());
  }
}
