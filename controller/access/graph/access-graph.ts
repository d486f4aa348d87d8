/**
 * The access graph in memory. Nodes are keys (by SHA256 fingerprint), accounts (host and
 * account name) and hosts; edges are "key opens account" (an authorized_keys line) and
 * "private key stored in account". Removed lines and files stay as edges with the time they
 * went, so a question can be asked of any date the inventory has history for.
 *
 * Columns of typed arrays with integer node ids, not an object per edge: at 2 million edges
 * a general graph library (graphology measured ~360 bytes and ~20 µs per edge) would need
 * about 700 MB and 40 s to build; these columns need ~40 bytes per edge.
 */

/** One kind of edge, column by column; index i of every column is edge i. */
export interface EdgeColumns {
  key: Int32Array;
  account: Int32Array;
  firstSeen: Float64Array;
  /** When the line or file went; NaN while it is there. */
  removed: Float64Array;
  /** Index in `strings`: the options JSON (opens) or the path (stored); -1 for none. */
  attr: Int32Array;
  /** opens: the last login with the key as that account; NaN when none was seen. */
  lastUsed: Float64Array;
  lastUsedFrom: Int32Array;
}

export interface AccessGraphData {
  builtAt: number;
  hosts: string[];
  keys: string[];
  accountHost: Int32Array;
  accountName: string[];
  strings: string[];
  opens: EdgeColumns;
  stored: EdgeColumns;
}

/** Adjacency in compressed rows: the edges of node n are list[start[n] .. start[n+1]). */
export interface Adjacency {
  start: Int32Array;
  list: Int32Array;
}

export function adjacency(nodes: number, from: Int32Array): Adjacency {
  const start = new Int32Array(nodes + 1);
  for (const n of from) start[n + 1]! += 1;
  for (let i = 0; i < nodes; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, nodes);
  const list = new Int32Array(from.length);
  for (let e = 0; e < from.length; e++) list[fill[from[e]!]!++] = e;
  return { start, list };
}

export function* neighbours(adj: Adjacency, node: number): Generator<number> {
  for (let i = adj.start[node]!; i < adj.start[node + 1]!; i++) yield adj.list[i]!;
}

export const accountKey = (hostId: string, account: string) => `${hostId}\n${account}`;

/** The graph with the indexes queries walk; built once per snapshot and then read only. */
export class AccessGraph {
  readonly keyIndex = new Map<string, number>();
  readonly hostIndex = new Map<string, number>();
  readonly accountIndex = new Map<string, number>();
  readonly accountsOfHost: Adjacency;
  readonly opensByKey: Adjacency;
  readonly opensByAccount: Adjacency;
  readonly storedByKey: Adjacency;
  readonly storedByAccount: Adjacency;

  constructor(readonly data: AccessGraphData) {
    data.keys.forEach((k, i) => this.keyIndex.set(k, i));
    data.hosts.forEach((h, i) => this.hostIndex.set(h, i));
    data.accountName.forEach((a, i) =>
      this.accountIndex.set(accountKey(data.hosts[data.accountHost[i]!]!, a), i),
    );
    const accounts = data.accountName.length;
    this.accountsOfHost = adjacency(data.hosts.length, data.accountHost);
    this.opensByKey = adjacency(data.keys.length, data.opens.key);
    this.opensByAccount = adjacency(accounts, data.opens.account);
    this.storedByKey = adjacency(data.keys.length, data.stored.key);
    this.storedByAccount = adjacency(accounts, data.stored.account);
  }

  get stats(): Record<string, number> {
    const d = this.data;
    const present = (c: EdgeColumns) =>
      c.removed.reduce((n, r) => (Number.isNaN(r) ? n + 1 : n), 0);
    return {
      hosts: d.hosts.length,
      accounts: d.accountName.length,
      keys: d.keys.length,
      opensEdges: d.opens.key.length,
      opensEdgesPresent: present(d.opens),
      storedEdges: d.stored.key.length,
      storedEdgesPresent: present(d.stored),
    };
  }

  hostOf(account: number): string {
    return this.data.hosts[this.data.accountHost[account]!]!;
  }

  /** Whether the edge existed at `at` (ms), or exists now when `at` is undefined. */
  static active(c: EdgeColumns, e: number, at: number | undefined): boolean {
    const removed = c.removed[e]!;
    if (at === undefined) return Number.isNaN(removed);
    return c.firstSeen[e]! <= at && (Number.isNaN(removed) || removed > at);
  }
}
