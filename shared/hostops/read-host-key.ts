import type { HostSession } from '../session/host-session';
import { parsePublicKeyBlob, parsePublicKeyLine } from '../ssh/public-key';
import { readOpensshPrivateKeyHeader } from './openssh-private-key';

export interface ScannedHostKey {
  path: string;
  type?: string;
  bits?: number;
  fingerprint?: string;
  md5?: string;
  /** Where the public half came from. */
  from?: 'pub' | 'key';
  /** Why no fingerprint could be read (missing file, unreadable key). */
  error?: string;
}

/** A host key's public half: from `<path>.pub`, else from the private key's clear header. */
export async function readHostKey(session: HostSession, path: string): Promise<ScannedHostKey> {
  if ((await session.stat(`${path}.pub`))?.type === 'file') {
    const line = parsePublicKeyLine(
      (await session.readFile(`${path}.pub`)).content.toString('utf8').trim(),
    );
    if (line.ok) return describe(path, line.key, 'pub');
  }
  if ((await session.stat(path))?.type !== 'file') return { path, error: 'no such file' };
  const header = readOpensshPrivateKeyHeader(
    (await session.readFile(path)).content.toString('utf8'),
  );
  const key = header && parsePublicKeyBlob(header.publicKeyBlob);
  return key?.ok
    ? describe(path, key.key, 'key')
    : { path, error: 'no .pub and not an openssh-key-v1 file' };
}

function describe(
  path: string,
  key: { type: string; bits: number; sha256: string; md5: string },
  from: 'pub' | 'key',
): ScannedHostKey {
  return { path, type: key.type, bits: key.bits, fingerprint: key.sha256, md5: key.md5, from };
}
