/**
 * The source restriction of an authorized_keys line (`from="pattern-list"`, sshd(8)),
 * checked entry by entry the way sshd's match_host_and_ip / addr_match_list reads it, so a
 * list Keywarden writes never makes sshd refuse every login by surprise:
 * - a CIDR whose address has bits set past its mask (`10.1.2.3/8`) is an *error* for sshd
 *   ("inconsistent mask length"): the whole line then matches no address at all;
 * - a list of exclusions only (`!10.0.0.1`) matches nobody;
 * - a comma, quote or blank inside an entry would change the list or the option itself.
 * Host name patterns (`*.example.com`) are allowed; sshd matches them only with UseDNS yes.
 *
 * Exports:
 * - `checkFromPatterns(patterns, field)`: the entries as given, or INVALID_INPUT naming the
 *   entry and what is wrong with it.
 */
import { isIP } from 'node:net';
import { invalidInput } from '../errors';

const MAX_ENTRIES = 64;
const MAX_LENGTH = 255;
/** Host names, addresses and sshd's wildcards `*` and `?`. */
const PATTERN = /^[A-Za-z0-9*?._:-]+$/;

/** The address as a bit string (32 or 128 bits); undefined when it is no address. */
function addressBits(address: string): string | undefined {
  const kind = isIP(address);
  if (kind === 4)
    return address
      .split('.')
      .map((o) => Number(o).toString(2).padStart(8, '0'))
      .join('');
  if (kind !== 6 || address.includes('%')) return undefined;
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a, b, c, d] = v4[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

function entryProblem(entry: string): string | undefined {
  if (entry.length === 0) return 'is empty';
  if (entry.length > MAX_LENGTH) return `is longer than ${MAX_LENGTH} characters`;
  const body = entry.startsWith('!') ? entry.slice(1) : entry;
  if (body.length === 0) return 'is a "!" with nothing to exclude';
  const slash = body.indexOf('/');
  if (slash < 0)
    return PATTERN.test(body)
      ? undefined
      : 'may hold only an address, a host name and the wildcards * and ? (no comma, quote or blank)';
  const address = body.slice(0, slash);
  const maskText = body.slice(slash + 1);
  const bits = addressBits(address);
  if (bits === undefined) return `is no CIDR: ${JSON.stringify(address)} is no IP address`;
  const mask = /^\d{1,3}$/.test(maskText) ? Number(maskText) : -1;
  if (mask < 0 || mask > bits.length)
    return `has a mask ${JSON.stringify(maskText)} outside 0-${bits.length}`;
  if (bits.slice(mask).includes('1'))
    return `has address bits set past its /${mask} mask, which sshd treats as an error that lets no address in (give the network address, e.g. ${networkOf(address, mask)}/${mask})`;
  return undefined;
}

/** The network address of an IPv4 CIDR, for the hint; IPv6 gets a generic hint. */
function networkOf(address: string, mask: number): string {
  if (isIP(address) !== 4) return 'the address with those bits cleared';
  const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const net = mask === 0 ? 0 : Math.floor(n / 2 ** (32 - mask)) * 2 ** (32 - mask);
  return [24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.');
}

export function checkFromPatterns(patterns: readonly string[], field = 'from'): string[] {
  const fail = (message: string, value: unknown, expected: string) =>
    invalidInput(`${field}: ${message}`, { details: { field, value, expected } });
  if (patterns.length === 0)
    throw fail('give at least one address, CIDR or host pattern', patterns, 'a non-empty list');
  if (patterns.length > MAX_ENTRIES)
    throw fail(`at most ${MAX_ENTRIES} entries`, patterns.length, `<= ${MAX_ENTRIES} entries`);
  for (const entry of patterns) {
    const problem = entryProblem(entry);
    if (problem)
      throw fail(
        `entry ${JSON.stringify(entry)} ${problem}`,
        entry,
        'an IP address, a CIDR such as 10.0.0.0/8, or a host name pattern, optionally after !',
      );
  }
  if (patterns.every((p) => p.startsWith('!')))
    throw fail(
      'lists only exclusions (!): sshd would let no address in; add the addresses allowed',
      patterns,
      'at least one entry without !',
    );
  return [...patterns];
}
