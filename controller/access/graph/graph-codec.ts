/**
 * The stored form of an access graph: a JSON header (the names: hosts, keys, accounts,
 * strings) followed by the typed columns, deflated and cut into chunks the store keeps.
 * Columns stay binary: 2 million edges are ~80 MB raw, and JSON would be several times that.
 */
import { promisify } from 'node:util';
import { createDeflate, inflate } from 'node:zlib';
import { AccessGraph, type AccessGraphData, type EdgeColumns } from './access-graph';

const MAGIC = 'KWAG';
const VERSION = 1;
/** Well under MongoDB's 16 MB document limit. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

const inflateAsync = promisify(inflate);

interface Header {
  builtAt: number;
  hosts: string[];
  keys: string[];
  accountName: string[];
  strings: string[];
  opens: number;
  stored: number;
}

type Column = Int32Array | Float64Array;
const edgeColumns = (c: EdgeColumns): Column[] => [
  c.key,
  c.account,
  c.firstSeen,
  c.removed,
  c.attr,
  c.lastUsed,
  c.lastUsedFrom,
];

export async function encodeGraph(graph: AccessGraph): Promise<Buffer[]> {
  const d = graph.data;
  const header: Header = {
    builtAt: d.builtAt,
    hosts: d.hosts,
    keys: d.keys,
    accountName: d.accountName,
    strings: d.strings,
    opens: d.opens.key.length,
    stored: d.stored.key.length,
  };
  const head = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(VERSION, 4);
  prefix.writeUInt32LE(head.length, 8);
  const columns = [d.accountHost, ...edgeColumns(d.opens), ...edgeColumns(d.stored)];
  const parts = [
    prefix,
    head,
    ...columns.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)),
  ];
  // Streamed through deflate part by part: no second copy of the whole graph in memory.
  const z = createDeflate({ level: 1 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const ended = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  for (const p of parts) if (!z.write(p)) await new Promise((r) => z.once('drain', r));
  z.end();
  await ended;
  const packed = Buffer.concat(out);
  const chunks: Buffer[] = [];
  for (let off = 0; off < packed.length; off += CHUNK_BYTES)
    chunks.push(packed.subarray(off, off + CHUNK_BYTES));
  return chunks.length > 0 ? chunks : [packed];
}

export async function decodeGraph(chunks: Buffer[]): Promise<AccessGraph> {
  const raw = await inflateAsync(Buffer.concat(chunks));
  if (raw.toString('latin1', 0, 4) !== MAGIC || raw.readUInt32LE(4) !== VERSION)
    throw new Error('not an access graph snapshot of this version');
  const headLen = raw.readUInt32LE(8);
  const h = JSON.parse(raw.toString('utf8', 12, 12 + headLen)) as Header;
  let off = 12 + headLen;
  // Copies, not views: a typed array view needs an aligned offset the buffer may not have.
  const i32 = (n: number) => {
    const a = new Int32Array(n);
    new Uint8Array(a.buffer).set(raw.subarray(off, off + n * 4));
    off += n * 4;
    return a;
  };
  const f64 = (n: number) => {
    const a = new Float64Array(n);
    new Uint8Array(a.buffer).set(raw.subarray(off, off + n * 8));
    off += n * 8;
    return a;
  };
  const edges = (n: number, withUse: boolean): EdgeColumns => ({
    key: i32(n),
    account: i32(n),
    firstSeen: f64(n),
    removed: f64(n),
    attr: i32(n),
    lastUsed: f64(withUse ? n : 0),
    lastUsedFrom: i32(withUse ? n : 0),
  });
  const accountHost = i32(h.accountName.length);
  const data: AccessGraphData = {
    builtAt: h.builtAt,
    hosts: h.hosts,
    keys: h.keys,
    accountHost,
    accountName: h.accountName,
    strings: h.strings,
    opens: edges(h.opens, true),
    stored: edges(h.stored, false),
  };
  if (off !== raw.length) throw new Error('access graph snapshot has a wrong length');
  return new AccessGraph(data);
}
