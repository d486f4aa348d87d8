/**
 * sshd_config `Match` criteria and their evaluation for one connection (servconf.c
 * match_cfg_line): every criterion on the line must match.
 *
 * Exports:
 * - `SshdConnection`: `{ user, host, addr, laddr?, lport?, groups? }` (sshd -T -C's fields).
 * - `MatchCriterion`: `{ attribute, patterns }`.
 * - `parseMatchCriteria(args)`: criteria, `'all'`, or `{ error }`.
 * - `matchesConnection(criteria, conn)`: whether the block applies.
 */
import { matchAddressList, matchPatternList } from '../patterns';

export interface SshdConnection {
  user: string;
  host: string;
  addr: string;
  laddr?: string;
  lport?: number;
  /** The user's group names (primary and supplementary), for `Match Group`. */
  groups?: string[];
}

export type MatchAttribute =
  'user' | 'group' | 'host' | 'address' | 'localaddress' | 'localport' | 'rdomain';

export interface MatchCriterion {
  attribute: MatchAttribute;
  patterns: string;
}

const ATTRIBUTES = new Set<string>([
  'user',
  'group',
  'host',
  'address',
  'localaddress',
  'localport',
  'rdomain',
]);

export function parseMatchCriteria(
  args: readonly string[],
): { criteria: MatchCriterion[] | 'all' } | { error: string } {
  if (args.length === 0) return { error: 'Match with no criteria' };
  if (args[0]?.toLowerCase() === 'all') {
    return args.length === 1
      ? { criteria: 'all' }
      : { error: "'all' cannot be combined with other Match attributes" };
  }
  const criteria: MatchCriterion[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const attribute = (args[i] ?? '').toLowerCase();
    const patterns = args[i + 1];
    if (attribute === 'all')
      return { error: "'all' cannot be combined with other Match attributes" };
    if (!ATTRIBUTES.has(attribute)) return { error: `Unsupported Match attribute ${args[i]}` };
    if (patterns === undefined || patterns === '')
      return { error: `Missing Match criteria for ${args[i]}` };
    if (attribute === 'localport' && !/^\d+$/.test(patterns)) {
      return { error: `Invalid LocalPort '${patterns}' on Match line` };
    }
    if (
      (attribute === 'address' || attribute === 'localaddress') &&
      matchAddressList('0.0.0.0', patterns) === -2
    ) {
      return { error: `Invalid Match address argument '${patterns}'` };
    }
    criteria.push({ attribute: attribute as MatchAttribute, patterns });
  }
  return { criteria };
}

/** Group lists: a negated match on any of the user's groups wins (groupaccess.c). */
function matchGroups(groups: readonly string[], patterns: string): boolean {
  let found = false;
  for (const g of groups) {
    const r = matchPatternList(g, patterns, false);
    if (r === -1) return false;
    if (r === 1) found = true;
  }
  return found;
}

function matchesOne(c: MatchCriterion, conn: SshdConnection): boolean {
  switch (c.attribute) {
    case 'user':
      return matchPatternList(conn.user, c.patterns, false) === 1;
    case 'group':
      return matchGroups(conn.groups ?? [], c.patterns);
    case 'host':
      return matchPatternList(conn.host, c.patterns, true) === 1;
    case 'address':
      return matchAddressList(conn.addr, c.patterns) === 1;
    case 'localaddress':
      return conn.laddr !== undefined && matchAddressList(conn.laddr, c.patterns) === 1;
    case 'localport':
      return conn.lport !== undefined && Number(c.patterns) === conn.lport;
    case 'rdomain':
      return false;
  }
}

export function matchesConnection(
  criteria: MatchCriterion[] | 'all' | 'invalid',
  conn: SshdConnection | null,
): boolean {
  if (criteria === 'all') return true;
  if (criteria === 'invalid' || conn === null) return false;
  return criteria.every((c) => matchesOne(c, conn));
}
