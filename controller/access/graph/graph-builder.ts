/**
 * Builds the access graph from inventory rows handed in page by page, interning every
 * host, account, key and string once, so memory grows with the graph, not with the rows.
 */
import type { GraphItemRow, GraphKeyUseRow } from '../../store/access-graph-store';
import { AccessGraph, accountKey, type EdgeColumns } from './access-graph';

class GrowI32 {
  a = new Int32Array(1024);
  n = 0;
  push(v: number) {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

class GrowF64 {
  a = new Float64Array(1024);
  n = 0;
  push(v: number) {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Float64Array {
    return this.a.slice(0, this.n);
  }
}

class EdgeBuilder {
  key = new GrowI32();
  account = new GrowI32();
  firstSeen = new GrowF64();
  removed = new GrowF64();
  attr = new GrowI32();
  done(withUse: boolean): EdgeColumns {
    const n = this.key.n;
    return {
      key: this.key.done(),
      account: this.account.done(),
      firstSeen: this.firstSeen.done(),
      removed: this.removed.done(),
      attr: this.attr.done(),
      lastUsed: new Float64Array(withUse ? n : 0).fill(Number.NaN),
      lastUsedFrom: new Int32Array(withUse ? n : 0).fill(-1),
    };
  }
}

export class GraphBuilder {
  private hosts: string[] = [];
  private hostIndex = new Map<string, number>();
  private keys: string[] = [];
  private keyIndex = new Map<string, number>();
  private accountHost = new GrowI32();
  private accountName: string[] = [];
  private accountIndex = new Map<string, number>();
  private strings: string[] = [];
  private stringIndex = new Map<string, number>();
  private opens = new EdgeBuilder();
  private stored = new EdgeBuilder();

  private host(id: string): number {
    let i = this.hostIndex.get(id);
    if (i === undefined) {
      i = this.hosts.push(id) - 1;
      this.hostIndex.set(id, i);
    }
    return i;
  }

  private key(fp: string): number {
    let i = this.keyIndex.get(fp);
    if (i === undefined) {
      i = this.keys.push(fp) - 1;
      this.keyIndex.set(fp, i);
    }
    return i;
  }

  private account(hostId: string, name: string): number {
    const k = accountKey(hostId, name);
    let i = this.accountIndex.get(k);
    if (i === undefined) {
      i = this.accountName.push(name) - 1;
      this.accountHost.push(this.host(hostId));
      this.accountIndex.set(k, i);
    }
    return i;
  }

  private string(s: string | null): number {
    if (s === null || s === '' || s === '[]') return -1;
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.push(s) - 1;
      this.stringIndex.set(s, i);
    }
    return i;
  }

  private edge(into: EdgeBuilder, r: GraphItemRow, attr: string | null) {
    into.key.push(this.key(r.fingerprint));
    into.account.push(this.account(r.hostId, r.account));
    into.firstSeen.push(r.firstSeenAt);
    into.removed.push(r.removedAt ?? Number.NaN);
    into.attr.push(this.string(attr));
  }

  addAuthorizedKeys(rows: GraphItemRow[]): void {
    for (const r of rows) this.edge(this.opens, r, r.options);
  }

  addPrivateKeys(rows: GraphItemRow[]): void {
    for (const r of rows) this.edge(this.stored, r, r.path);
  }

  private uses: GraphKeyUseRow[] = [];
  /** Key usage is applied once the opens edges have their adjacency (see finish). */
  addKeyUses(rows: GraphKeyUseRow[]): void {
    for (const u of rows) this.uses.push(u);
  }

  finish(builtAt: number): AccessGraph {
    const graph = new AccessGraph({
      builtAt,
      hosts: this.hosts,
      keys: this.keys,
      accountHost: this.accountHost.done(),
      accountName: this.accountName,
      strings: this.strings,
      opens: this.opens.done(true),
      stored: this.stored.done(false),
    });
    const { opens } = graph.data;
    for (const u of this.uses) {
      const a = graph.accountIndex.get(accountKey(u.hostId, u.account));
      const k = graph.keyIndex.get(u.fingerprint);
      if (a === undefined || k === undefined) continue;
      const adj = graph.opensByAccount;
      for (let i = adj.start[a]!; i < adj.start[a + 1]!; i++) {
        const e = adj.list[i]!;
        if (opens.key[e] !== k) continue;
        const prev = opens.lastUsed[e]!;
        if (Number.isNaN(prev) || u.lastUsedAt > prev) {
          opens.lastUsed[e] = u.lastUsedAt;
          opens.lastUsedFrom[e] = this.string(u.from);
        }
      }
    }
    // The strings table may have grown with the sources of key use.
    graph.data.strings = this.strings;
    this.uses = [];
    return graph;
  }
}
