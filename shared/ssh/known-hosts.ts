/**
 * known_hosts files (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT), parsed losslessly like
 * authorized_keys: `serializeKnownHosts(parseKnownHosts(t)) === t` for every string.
 *
 * Exports:
 * - `KnownHostsLine`: `blank` | `comment` | `host` (marker, host patterns or hashed name, key,
 *   comment) | `invalid` (with reason), each with raw text, ending and 1-based line number.
 * - `parseKnownHosts(text)`, `serializeKnownHosts(file)`.
 * - `knownHostName(host, port?)`: the name ssh looks up: `host`, or `[host]:port` off port 22.
 * - `hashKnownHostName(name, salt?)`: `|1|salt|hash` as `ssh-keygen -H` writes it.
 * - `hashedNameMatches(hashed, name)`: whether a `|1|...` entry is for that name.
 * - `knownHostMatches(entry, host, port?)`: patterns with wildcards and `!`, or hashed names.
 * - `findKnownHosts(file, host, port?)`: entries for a host, `@revoked` ones included.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { matchPatternList } from './patterns';
import { parsePublicKey, splitKeyWords, type PublicKey } from './public-key';
import { joinTextLines, lineContent, splitTextLines, type TextLine } from './text-lines';

interface LineBase extends TextLine {
  lineNumber: number;
}

export interface KnownHostEntry extends LineBase {
  kind: 'host';
  marker: '@cert-authority' | '@revoked' | null;
  /** The host field as written: `a,b,[c]:2222,!d` or `|1|salt|hash`. */
  hosts: string;
  hashed: boolean;
  key: PublicKey;
  comment: string;
}

export type KnownHostsLine =
  | (LineBase & { kind: 'blank' })
  | (LineBase & { kind: 'comment' })
  | KnownHostEntry
  | (LineBase & { kind: 'invalid'; reason: string });

export interface KnownHostsFile {
  lines: KnownHostsLine[];
}

const HASH_MAGIC = '|1|';

function nextWord(text: string, from: number): { text: string; end: number } {
  let i = from;
  while (text[i] === ' ' || text[i] === '\t') i++;
  const start = i;
  while (i < text.length && text[i] !== ' ' && text[i] !== '\t') i++;
  return { text: text.slice(start, i), end: i };
}

function parseLine(line: TextLine, lineNumber: number): KnownHostsLine {
  const base = { ...line, lineNumber };
  const text = lineContent(line.raw);
  let i = 0;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (i === text.length) return { ...base, kind: 'blank' };
  if (text[i] === '#') return { ...base, kind: 'comment' };
  let marker: KnownHostEntry['marker'] = null;
  let word = nextWord(text, i);
  if (word.text.startsWith('@')) {
    if (word.text !== '@cert-authority' && word.text !== '@revoked') {
      return { ...base, kind: 'invalid', reason: `unknown marker ${JSON.stringify(word.text)}` };
    }
    marker = word.text;
    word = nextWord(text, word.end);
  }
  const hosts = word.text;
  const keyWords = splitKeyWords(text, word.end);
  if (keyWords.type === '')
    return { ...base, kind: 'invalid', reason: 'no key after the host names' };
  if (keyWords.data === '')
    return { ...base, kind: 'invalid', reason: 'no key data after the key type' };
  const hashed = hosts.startsWith(HASH_MAGIC);
  if (hashed && !/^\|1\|[A-Za-z0-9+/]+=*\|[A-Za-z0-9+/]+=*$/.test(hosts)) {
    return { ...base, kind: 'invalid', reason: 'malformed hashed host name' };
  }
  const parsed = parsePublicKey(keyWords.type, keyWords.data);
  if (!parsed.ok) return { ...base, kind: 'invalid', reason: parsed.reason };
  return {
    ...base,
    kind: 'host',
    marker,
    hosts,
    hashed,
    key: parsed.key,
    comment: text.slice(keyWords.rest),
  };
}

export function parseKnownHosts(text: string): KnownHostsFile {
  return { lines: splitTextLines(text).map((l, i) => parseLine(l, i + 1)) };
}

export function serializeKnownHosts(file: KnownHostsFile): string {
  return joinTextLines(file.lines);
}

export function knownHostName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function hashKnownHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `${HASH_MAGIC}${salt.toString('base64')}|${hash}`;
}

export function hashedNameMatches(hashed: string, name: string): boolean {
  if (!hashed.startsWith(HASH_MAGIC)) return false;
  const [saltText = '', hash = ''] = hashed.slice(HASH_MAGIC.length).split('|');
  const salt = Buffer.from(saltText, 'base64');
  if (salt.length === 0) return false;
  return createHmac('sha1', salt).update(name).digest('base64') === hash;
}

export function knownHostMatches(
  entry: Pick<KnownHostEntry, 'hosts' | 'hashed'>,
  host: string,
  port = 22,
): boolean {
  const name = knownHostName(host, port);
  if (entry.hashed) return hashedNameMatches(entry.hosts, name);
  return matchPatternList(name, entry.hosts, true) === 1;
}

export function findKnownHosts(file: KnownHostsFile, host: string, port = 22): KnownHostEntry[] {
  return file.lines.filter(
    (l): l is KnownHostEntry => l.kind === 'host' && knownHostMatches(l, host, port),
  );
}
