/**
 * Finds SSH servers in an IPv4 range by their identification banner, with a cap on
 * connections in flight and on new connections per second, so a scan never floods a network.
 * Addresses and ranges are read by ipaddr.js (the parser fastify itself uses).
 */
import ipaddr from 'ipaddr.js';
import { invalidInput } from '../../shared/errors';
import { readSshBanner, type SshBanner } from './ssh-banner';

export const MAX_RANGE_ADDRESSES = 65_536;

/** The 32-bit value of a dotted-quad IPv4 address, or null for anything else. */
export function ipv4ToInt(ip: string): number | null {
  // Four decimal parts only: ipaddr.js alone also reads "10.1" or "010.0.0.1" (octal),
  // which would scan a range other than the one the admin wrote.
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return null;
  return ipaddr.IPv4.parse(ip)
    .toByteArray()
    .reduce((n, b) => n * 256 + b, 0);
}

export const intToIpv4 = (n: number): string =>
  ipaddr.fromByteArray([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();

/** Every address of `a.b.c.d/len` (or a single address); /31 and /32 keep all, larger drop network and broadcast. */
export function expandCidr(cidr: string): string[] {
  const text = cidr.trim();
  const [address = '', prefix, ...rest] = text.split('/');
  const notCidr = () =>
    invalidInput(`range ${JSON.stringify(cidr)} is not an IPv4 CIDR such as 10.0.0.0/24`, {
      details: { field: 'cidr', value: cidr, expected: 'a.b.c.d/len' },
    });
  if (ipaddr.IPv6.isValid(address))
    throw invalidInput(`range ${JSON.stringify(cidr)} is IPv6: only IPv4 ranges are scanned`, {
      details: { field: 'cidr', value: cidr, expected: 'a.b.c.d/len' },
    });
  if (rest.length || !ipaddr.IPv4.isValidFourPartDecimal(address)) throw notCidr();
  if (prefix !== undefined && !/^\d{1,2}$/.test(prefix)) throw notCidr();
  let network: ipaddr.IPv4;
  let len: number;
  try {
    const range = `${address}/${prefix ?? 32}`;
    len = ipaddr.IPv4.parseCIDR(range)[1];
    network = ipaddr.IPv4.networkAddressFromCIDR(range);
  } catch {
    throw notCidr();
  }
  const size = 2 ** (32 - len);
  if (size > MAX_RANGE_ADDRESSES)
    throw invalidInput(
      `range ${cidr} has ${size} addresses; at most ${MAX_RANGE_ADDRESSES} (/16) per scan`,
      {
        details: { field: 'cidr', value: cidr, expected: `/16 or smaller` },
      },
    );
  const start = ipv4ToInt(network.toString()) as number;
  const all = Array.from({ length: size }, (_, i) => intToIpv4(start + i));
  return size > 2 ? all.slice(1, -1) : all;
}

export interface ScanLimits {
  concurrency: number;
  /** New connections per second. */
  ratePerSecond: number;
  timeoutMs: number;
}

export interface FoundSshServer {
  address: string;
  port: number;
  banner: SshBanner;
}

export interface RangeScanResult {
  scanned: number;
  found: FoundSshServer[];
  /** Answered but not with an SSH banner. */
  notSsh: number;
  /** Refused, timed out or unreachable. */
  silent: number;
}

export async function scanRange(
  addresses: string[],
  ports: number[],
  limits: ScanLimits,
  signal: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<RangeScanResult> {
  const targets = addresses.flatMap((address) => ports.map((port) => ({ address, port })));
  const result: RangeScanResult = { scanned: 0, found: [], notSsh: 0, silent: 0 };
  const interval = 1000 / Math.max(1, limits.ratePerSecond);
  let nextStartAt = Date.now();
  let cursor = 0;
  const worker = async () => {
    for (;;) {
      signal.throwIfAborted();
      const t = targets[cursor++];
      if (!t) return;
      // Token pacing: each start takes the next slot of 1/rate seconds.
      const startAt = nextStartAt;
      nextStartAt = Math.max(Date.now(), nextStartAt) + interval;
      const wait = startAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        const banner = await readSshBanner(t.address, t.port, limits.timeoutMs, signal);
        if (banner) result.found.push({ ...t, banner });
        else result.notSsh += 1;
      } catch (err) {
        if (signal.aborted) throw err;
        result.silent += 1;
      }
      result.scanned += 1;
      onProgress?.(result.scanned, targets.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limits.concurrency, targets.length)) }, worker),
  );
  result.found.sort(
    (a, b) => (ipv4ToInt(a.address) ?? 0) - (ipv4ToInt(b.address) ?? 0) || a.port - b.port,
  );
  return result;
}
