/**
 * Transitive reach over the access graph. Whoever can log in as an account can use every
 * private key stored in it, so "key K reaches account A" goes on through each key stored in
 * A. Both directions are breadth first, so each answer carries a shortest path, and both
 * are bounded by hops and by the number of answers.
 */
import { AccessGraph } from './access-graph';

export interface ReachOptions {
  /** ms since the epoch: the graph as it was then (from first seen and removal times). */
  at?: number;
  /** Most "opens" edges on a path (1 = direct logins only). */
  maxHops: number;
  limit: number;
}

export type PathStep =
  | {
      kind: 'opens';
      fingerprint: string;
      hostId: string;
      account: string;
      options: { name: string; value?: string }[];
      firstSeenAt: number;
      removedAt: number | null;
      lastUsedAt: number | null;
      lastUsedFrom: string | null;
    }
  | {
      kind: 'stored-in';
      fingerprint: string;
      hostId: string;
      account: string;
      path: string;
      firstSeenAt: number;
      removedAt: number | null;
    };

export interface Reached {
  hostId: string;
  account: string;
  hops: number;
  path: PathStep[];
}

export interface Reacher {
  fingerprint: string;
  hops: number;
  /** From the key to an account of the host asked about. */
  path: PathStep[];
}

const orNull = (n: number) => (Number.isNaN(n) ? null : n);

function opensStep(g: AccessGraph, e: number): PathStep {
  const o = g.data.opens;
  const a = o.account[e]!;
  const attr = o.attr[e]!;
  const from = o.lastUsedFrom[e]!;
  return {
    kind: 'opens',
    fingerprint: g.data.keys[o.key[e]!]!,
    hostId: g.hostOf(a),
    account: g.data.accountName[a]!,
    options:
      attr < 0 ? [] : (JSON.parse(g.data.strings[attr]!) as { name: string; value?: string }[]),
    firstSeenAt: o.firstSeen[e]!,
    removedAt: orNull(o.removed[e]!),
    lastUsedAt: orNull(o.lastUsed[e]!),
    lastUsedFrom: from < 0 ? null : g.data.strings[from]!,
  };
}

function storedStep(g: AccessGraph, e: number): PathStep {
  const s = g.data.stored;
  const a = s.account[e]!;
  return {
    kind: 'stored-in',
    fingerprint: g.data.keys[s.key[e]!]!,
    hostId: g.hostOf(a),
    account: g.data.accountName[a]!,
    path: g.data.strings[s.attr[e]!] ?? '',
    firstSeenAt: s.firstSeen[e]!,
    removedAt: orNull(s.removed[e]!),
  };
}

/** Every account the key can log in to, directly or through private keys stored on the way. */
export function keyReach(
  g: AccessGraph,
  fingerprint: string,
  o: ReachOptions,
): { items: Reached[]; truncated: boolean } {
  const start = g.keyIndex.get(fingerprint);
  if (start === undefined) return { items: [], truncated: false };
  const { opens, stored } = g.data;
  // For a reached account: the opens edge that reached it; for a key: the stored edge.
  const viaOpens = new Map<number, number>();
  const viaStored = new Map<number, number>([[start, -1]]);
  const items: Reached[] = [];
  let frontier = [start];
  let hops = 0;
  const pathTo = (account: number): PathStep[] => {
    const steps: PathStep[] = [];
    let a = account;
    for (;;) {
      const e = viaOpens.get(a)!;
      steps.push(opensStep(g, e));
      const s = viaStored.get(opens.key[e]!)!;
      if (s < 0) break;
      steps.push(storedStep(g, s));
      a = stored.account[s]!;
    }
    return steps.reverse();
  };
  while (frontier.length > 0 && hops < o.maxHops) {
    hops++;
    const next: number[] = [];
    for (const k of frontier) {
      for (let i = g.opensByKey.start[k]!; i < g.opensByKey.start[k + 1]!; i++) {
        const e = g.opensByKey.list[i]!;
        const a = opens.account[e]!;
        if (viaOpens.has(a) || !AccessGraph.active(opens, e, o.at)) continue;
        viaOpens.set(a, e);
        if (items.length >= o.limit) return { items, truncated: true };
        items.push({
          hostId: g.hostOf(a),
          account: g.data.accountName[a]!,
          hops,
          path: pathTo(a),
        });
        for (let j = g.storedByAccount.start[a]!; j < g.storedByAccount.start[a + 1]!; j++) {
          const s = g.storedByAccount.list[j]!;
          const k2 = stored.key[s]!;
          if (viaStored.has(k2) || !AccessGraph.active(stored, s, o.at)) continue;
          viaStored.set(k2, s);
          next.push(k2);
        }
      }
    }
    frontier = next;
  }
  return { items, truncated: false };
}

/**
 * Every key that can log in to the host (to `account` only, when given), directly or by
 * first logging in somewhere that stores a private key which opens the way on.
 */
export function whoCanReach(
  g: AccessGraph,
  hostId: string,
  o: ReachOptions & { account?: string },
): { items: Reacher[]; truncated: boolean; hostKnown: boolean } {
  const h = g.hostIndex.get(hostId);
  if (h === undefined) return { items: [], truncated: false, hostKnown: false };
  const { opens, stored } = g.data;
  // For a key: the opens edge on its way to the host; for an account off the host: the
  // stored edge of the key that goes on from it.
  const nextOpens = new Map<number, number>();
  const nextStored = new Map<number, number>();
  const targets: number[] = [];
  for (let i = g.accountsOfHost.start[h]!; i < g.accountsOfHost.start[h + 1]!; i++) {
    const a = g.accountsOfHost.list[i]!;
    if (o.account === undefined || g.data.accountName[a] === o.account) {
      targets.push(a);
      nextStored.set(a, -1);
    }
  }
  const items: Reacher[] = [];
  const pathFrom = (key: number): PathStep[] => {
    const steps: PathStep[] = [];
    let e = nextOpens.get(key)!;
    for (;;) {
      steps.push(opensStep(g, e));
      const s = nextStored.get(opens.account[e]!)!;
      if (s < 0) return steps;
      steps.push(storedStep(g, s));
      e = nextOpens.get(stored.key[s]!)!;
    }
  };
  let frontier = targets;
  let hops = 0;
  while (frontier.length > 0 && hops < o.maxHops) {
    hops++;
    const next: number[] = [];
    for (const a of frontier) {
      for (let i = g.opensByAccount.start[a]!; i < g.opensByAccount.start[a + 1]!; i++) {
        const e = g.opensByAccount.list[i]!;
        const k = opens.key[e]!;
        if (nextOpens.has(k) || !AccessGraph.active(opens, e, o.at)) continue;
        nextOpens.set(k, e);
        if (items.length >= o.limit) return { items, truncated: true, hostKnown: true };
        items.push({ fingerprint: g.data.keys[k]!, hops, path: pathFrom(k) });
        // Whoever logs in where this key is stored can use it.
        for (let j = g.storedByKey.start[k]!; j < g.storedByKey.start[k + 1]!; j++) {
          const s = g.storedByKey.list[j]!;
          const a2 = stored.account[s]!;
          if (nextStored.has(a2) || !AccessGraph.active(stored, s, o.at)) continue;
          nextStored.set(a2, s);
          next.push(a2);
        }
      }
    }
    frontier = next;
  }
  return { items, truncated: false, hostKnown: true };
}
