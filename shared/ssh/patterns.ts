/**
 * OpenSSH's pattern matching (match.c, addrmatch.c): `*` and `?` wildcards, comma-separated
 * lists with `!` negation, and address lists with CIDR entries. Used by known_hosts host
 * fields and sshd_config Match criteria.
 *
 * Exports:
 * - `matchPattern(text, pattern)`: one wildcard pattern, whole-string match.
 * - `matchPatternList(text, list, lowercase)`: 1 match, 0 no match, -1 negated match.
 * - `matchAddressList(addr, list)`: 1 / 0 / -1 as above, -2 for a malformed CIDR entry.
 */
import { isIP } from 'node:net';

/**
 * Whole-string match of `*` (any run, empty included) and `?` (any one character), as
 * OpenSSH's match_pattern. Patterns and subjects come from hosts (sshd_config, Include globs,
 * known_hosts), so this never builds a RegExp and never recurses: it walks both strings once,
 * and on a mismatch after a `*` only moves that star's start forward by one. Work is at most
 * O(text × pattern) whatever the input, where a backtracking regex or OpenSSH's own recursion
 * can take exponential time on `*a*a*a*a*b`.
 */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1; // pattern index just after the last `*` seen
  let starT = 0; // text index that star's run currently ends at
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = ++p;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP !== -1) {
      // Let the last star swallow one more character and retry the rest after it. An
      // earlier star never needs to grow: the last one can absorb anything it would.
      p = starP;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** As OpenSSH's match_pattern_list: a matching negated entry wins over any positive one. */
export function matchPatternList(text: string, list: string, lowercase: boolean): 1 | 0 | -1 {
  const subject = lowercase ? text.toLowerCase() : text;
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    let pattern = negated ? raw.slice(1) : raw;
    if (lowercase) pattern = pattern.toLowerCase();
    if (matchPattern(subject, pattern)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

function addressBytes(addr: string): { bytes: number[]; v: 4 | 6 } | undefined {
  const v = isIP(addr);
  if (v === 4) return { bytes: addr.split('.').map(Number), v: 4 };
  if (v !== 6) return undefined;
  const [head = '', tail] = addr.split('::') as [string, string | undefined];
  const expand = (s: string): number[] =>
    s === ''
      ? []
      : s.split(':').flatMap((g) => {
          if (g.includes('.')) return addressBytes(g)?.bytes ?? [];
          const n = parseInt(g, 16);
          return [n >> 8, n & 0xff];
        });
  const h = expand(head);
  const t = tail === undefined ? [] : expand(tail);
  return { bytes: [...h, ...new Array<number>(16 - h.length - t.length).fill(0), ...t], v: 6 };
}

/**
 * As addrmatch.c addr_pton_cidr + addr_netmatch: `'pattern'` when the entry is not an
 * address/length at all (sshd then matches it as a wildcard pattern), undefined when it is
 * one but inconsistent (a length past the family's, host bits set): an error.
 */
function inCidr(addr: string, cidr: string): boolean | 'pattern' | undefined {
  const [net = '', lenText = ''] = cidr.split('/');
  const a = addressBytes(addr);
  const n = addressBytes(net);
  if (!n || !/^\d+$/.test(lenText) || Number(lenText) > 128) return 'pattern';
  const len = Number(lenText);
  if (len > (n.v === 4 ? 32 : 128)) return undefined;
  // A network address with bits set past the mask is an error in OpenSSH too.
  for (let bit = len; bit < n.bytes.length * 8; bit++) {
    if (((n.bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) return undefined;
  }
  if (!a || a.v !== n.v) return false;
  for (let bit = 0; bit < len; bit++) {
    const mask = 1 << (7 - (bit & 7));
    if (((a.bytes[bit >> 3] ?? 0) & mask) !== ((n.bytes[bit >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

/** As OpenSSH's addr_match_list: entries with `/` are CIDR, others wildcard patterns. */
export function matchAddressList(addr: string, list: string): 1 | 0 | -1 | -2 {
  let result: 1 | 0 = 0;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const entry = (negated ? raw.slice(1) : raw).toLowerCase();
    if (entry === '') return -2;
    let hit: boolean;
    const r = entry.includes('/') ? inCidr(addr, entry) : 'pattern';
    if (r === undefined) return -2;
    if (r !== 'pattern') {
      hit = r;
    } else {
      hit = matchPattern(addr.toLowerCase(), entry);
    }
    if (hit) {
      if (negated) return -1;
      result = 1;
    }
  }
  return result;
}
