/**
 * Reverse DNS of key-activity source addresses, with a time limit per lookup and per run,
 * through node's own resolver (dns.promises.Resolver: c-ares, no process spawned) asking
 * the configured servers. Every answer is cached in the store, a missing name too, so a
 * source address is asked again only when its entry expires.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ReverseDnsRecord } from '../store/reporting-store';

export interface ReverseLookupOptions {
  /** `IP` or `IP:PORT`; empty: the system's resolvers. */
  servers: readonly string[];
  lookupTimeoutMs: number;
  ttlMs: number;
  negativeTtlMs: number;
  /** Lookups running at once. */
  concurrency?: number;
}

/** One lookup, ended by the time limit whatever the server does. */
async function lookup(
  resolver: Resolver,
  address: string,
  timeoutMs: number,
): Promise<{ name: string | null; error: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })),
      timeoutMs,
    );
  });
  try {
    const names = await Promise.race([resolver.reverse(address), timedOut]);
    const name = names[0];
    return name ? { name, error: null } : { name: null, error: 'ENODATA' };
  } catch (err) {
    return {
      name: null,
      error: String((err as { code?: unknown }).code ?? (err as Error).message),
    };
  } finally {
    clearTimeout(timer);
  }
}

export interface LookupRun {
  records: ReverseDnsRecord[];
  /** Addresses not looked up because the run's time ran out (the next run takes them). */
  left: string[];
  /** Not IP addresses (a log's "unknown" source, say): never asked. */
  skipped: string[];
}

/**
 * Looks up the addresses until `deadline` (ms since the epoch); a lookup started before it
 * still ends by its own time limit. `now` dates the records.
 */
export async function reverseLookupAll(
  addresses: readonly string[],
  opts: ReverseLookupOptions,
  deadline: number,
  now: () => number,
  signal?: AbortSignal,
): Promise<LookupRun> {
  // tries: 1 and the timeout per try are c-ares's own limits; the race above is the bound.
  const resolver = new Resolver({ timeout: opts.lookupTimeoutMs, tries: 1 });
  if (opts.servers.length) resolver.setServers([...opts.servers]);
  const queue = addresses.filter((a) => isIP(a) !== 0);
  const skipped = addresses.filter((a) => isIP(a) === 0);
  const records: ReverseDnsRecord[] = [];
  const worker = async () => {
    for (;;) {
      if (signal?.aborted || now() >= deadline) return;
      const address = queue.shift();
      if (address === undefined) return;
      const { name, error } = await lookup(resolver, address, opts.lookupTimeoutMs);
      const at = now();
      records.push({
        address,
        name,
        error,
        lookedUpAt: at,
        expiresAt: at + (name ? opts.ttlMs : opts.negativeTtlMs),
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  } finally {
    resolver.cancel();
  }
  return { records, left: queue, skipped };
}
