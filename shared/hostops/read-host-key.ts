import type { HostSession } from '../session/host-session';
import { parsePublicKeyBlob, parsePublicKeyLine } from '../ssh/public-key';
import { errorCode } from '../errors';
import { findingOf, isFileFinding, readBoundedFiles, type HostFinding } from './bounded-read';
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
  const [key] = await readHostKeys(session, [path], maxBytes);
  return key!;
}

/**
 * readHostKey for every HostKey line in two batches: the `.pub` files, then the private
 * keys whose `.pub` gave nothing (a private key crosses the wire only then).
 */
export async function readHostKeys(
  session: HostSession,
  paths: readonly string[],
  maxBytes = DEFAULT_HOST_READ_LIMITS.keyFileBytes,
): Promise<ScannedHostKey[]> {
  const refused = new Map<string, HostFinding>();
  const read = async (files: string[]) =>
    (
      await readBoundedFiles(
        session,
        files.map((file) => ({ path: file, maxBytes, what: 'a host key file' })),
      )
    ).map((outcome, i): string | null | undefined => {
      if (outcome.ok) return outcome.read.content.toString('utf8');
      const code = errorCode(outcome.error);
      // Not a regular file (or none): no finding, as a missing .pub is usual.
      if (code === 'NOT_FOUND' || code === 'LIMIT_EXCEEDED') return null;
      if (!isFileFinding(outcome.error)) throw outcome.error;
      const file = files[i]!;
      const path = file.endsWith('.pub') ? file.slice(0, -4) : file;
      if (!refused.has(path)) refused.set(path, findingOf(outcome.error, file));
      return undefined;
    });
  const found = new Map<string, ScannedHostKey>();
  const pubs = await read(paths.map((p) => `${p}.pub`));
  paths.forEach((path, i) => {
    const text = pubs[i];
    const line = typeof text === 'string' ? parsePublicKeyLine(text.trim()) : undefined;
    if (line?.ok) found.set(path, describe(path, line.key, 'pub'));
  });
  const rest = paths.filter((p) => !found.has(p));
  const keys = await read(rest);
  rest.forEach((path, i) => {
    const text = keys[i];
    const finding = refused.get(path);
    if (text === null) {
      found.set(
        path,
        finding ? { path, error: finding.message, finding } : { path, error: 'no such file' },
      );
      return;
    }
    const header = text === undefined ? undefined : readOpensshPrivateKeyHeader(text);
    const key = header && parsePublicKeyBlob(header.publicKeyBlob);
    found.set(
      path,
      key?.ok
        ? describe(path, key.key, 'key')
        : finding
          ? { path, error: finding.message, finding }
          : { path, error: 'no .pub and not an openssh-key-v1 file' },
    );
  });
  return paths.map((p) => found.get(p)!);
}

function describe(
  path: string,
  key: { type: string; bits: number; sha256: string; md5: string },
  from: 'pub' | 'key',
): ScannedHostKey {
  return { path, type: key.type, bits: key.bits, fingerprint: key.sha256, md5: key.md5, from };
}
