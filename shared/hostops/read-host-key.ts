import type { HostSession } from '../session/host-session';
import { parsePublicKeyBlob, parsePublicKeyLine } from '../ssh/public-key';
import { findingOf, isFileFinding, readBoundedFile, type HostFinding } from './bounded-read';
import { DEFAULT_HOST_READ_LIMITS } from './host-read-limits';
import { readOpensshPrivateKeyHeader } from './openssh-private-key';

export interface ScannedHostKey {
  path: string;
  type?: string;
  bits?: number;
  fingerprint?: string;
  md5?: string;
  /** Where the public half came from. */
  from?: 'pub' | 'key';
  /** Why no fingerprint could be read (missing file, unreadable key, too large). */
  error?: string;
  /** The finding when a file was refused (FILE_TOO_LARGE, LIMIT_EXCEEDED). */
  finding?: HostFinding;
}

/**
 * A host key's public half: from `<path>.pub`, else from the private key's clear header.
 * Either file is read only within `maxBytes` (host keys are a few KiB).
 */
export async function readHostKey(
  session: HostSession,
  path: string,
  maxBytes = DEFAULT_HOST_READ_LIMITS.keyFileBytes,
): Promise<ScannedHostKey> {
  let refused: HostFinding | undefined;
  const read = async (file: string): Promise<string | undefined> => {
    try {
      return (await readBoundedFile(session, file, maxBytes, 'a host key file')).content.toString(
        'utf8',
      );
    } catch (err) {
      if (!isFileFinding(err)) throw err;
      refused ??= findingOf(err, file);
      return undefined;
    }
  };
  if ((await session.stat(`${path}.pub`))?.type === 'file') {
    const text = await read(`${path}.pub`);
    const line = text === undefined ? undefined : parsePublicKeyLine(text.trim());
    if (line?.ok) return describe(path, line.key, 'pub');
  }
  if ((await session.stat(path))?.type !== 'file') {
    return refused
      ? { path, error: refused.message, finding: refused }
      : { path, error: 'no such file' };
  }
  const text = await read(path);
  const header = text === undefined ? undefined : readOpensshPrivateKeyHeader(text);
  const key = header && parsePublicKeyBlob(header.publicKeyBlob);
  if (key?.ok) return describe(path, key.key, 'key');
  return refused
    ? { path, error: refused.message, finding: refused }
    : { path, error: 'no .pub and not an openssh-key-v1 file' };
}

function describe(
  path: string,
  key: { type: string; bits: number; sha256: string; md5: string },
  from: 'pub' | 'key',
): ScannedHostKey {
  return { path, type: key.type, bits: key.bits, fingerprint: key.sha256, md5: key.md5, from };
}
