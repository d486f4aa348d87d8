import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { fileChanged, invalidInput, notFound, symlinkRefused } from '../errors';
import type { FileOwnership, FilePrimitives, PathGuard } from './file-primitives';
import type { FileStat, WriteFileOptions } from './host-session';
import { guardFor } from './path-guard';

export const BACKUP_SUFFIX = '.keywarden-bak';

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Host paths must be absolute and already normal, so what we check is what we write. */
export function requireHostPath(path: string): string {
  if (!path.startsWith('/') || posix.normalize(path) !== path || path.includes('\0')) {
    throw invalidInput(
      `path must be an absolute normalised host path, got ${JSON.stringify(path)}`,
      {
        details: { field: 'path', value: path },
      },
    );
  }
  return path;
}

/** Refuses when any component of `path` strictly below `base` is a symlink. */
export async function refuseSymlinks(fs: FilePrimitives, path: string, base = '/'): Promise<void> {
  const root = posix.normalize(base);
  // A base the path is not under protects nothing: then every component is checked.
  const start = root === '/' || path.startsWith(`${root}/`) ? root : '/';
  const rel = posix.relative(start, path);
  let current = start;
  for (const part of rel.split('/').filter(Boolean)) {
    current = posix.join(current, part);
    const st = await fs.lstat(current);
    if (st === null) return; // nothing further down can be a link yet
    if (st.type === 'symlink') {
      throw symlinkRefused(`refusing to write through symlink ${current}`, {
        details: { path, symlink: current },
      });
    }
  }
}

/**
 * Replaces a file so that readers see either the old or the new content, never a mix:
 * temporary file in the same directory, owner and mode set, flushed, then renamed over.
 * Every call that reads or changes something below `noSymlinksBelow` is a guarded one
 * (see `PathGuard`): a link swapped in at any moment is refused, never followed.
 */
export async function writeFileAtomically(
  fs: FilePrimitives,
  path: string,
  content: Buffer,
  opts: WriteFileOptions,
  sessionOwner: { uid: number; gid: number },
): Promise<FileStat> {
  requireHostPath(path);
  const base = opts.noSymlinksBelow ?? '/';
  await refuseSymlinks(fs, path, base); // the clearest message; the guarded calls enforce it
  const dir = posix.dirname(path);
  const dirStat = await fs.stat(dir);
  if (dirStat?.type !== 'directory') throw notFound(`directory ${dir} does not exist`);

  const current = await fs.lstat(path);
  if (current && current.type !== 'file') {
    throw invalidInput(`${path} is a ${current.type}, not a regular file`, { details: { path } });
  }
  const trusted = opts.accountUid ?? opts.uid ?? current?.uid ?? sessionOwner.uid;
  const guard = guardFor(path, base, trusted);
  const currentContent = current ? await readOrChanged(fs, path, guard) : null;
  const currentHash = currentContent ? sha256Hex(currentContent) : null;
  checkUnchanged(path, opts, current, currentHash);

  const owner: FileOwnership = {
    mode: opts.mode ?? current?.mode ?? 0o600,
    uid: opts.uid ?? current?.uid ?? sessionOwner.uid,
    gid: opts.gid ?? current?.gid ?? sessionOwner.gid,
  };
  const tmp = temporaryName(path);
  await fs.createFile(tmp, content, owner, guard);
  try {
    if (current && currentContent && opts.backup !== false) {
      await replaceWith(fs, path + BACKUP_SUFFIX, currentContent, current, guard);
    }
    // Look once more right before the rename: the window left is one round trip.
    const again = await fs.lstat(path);
    const againContent = again?.type === 'file' ? await fs.readGuarded(path, guard) : null;
    const againHash = againContent ? sha256Hex(againContent.content) : null;
    if (againHash !== currentHash || (again === null) !== (current === null)) {
      throw fileChanged(`${path} changed while it was being written; nothing was written`, {
        details: { path },
      });
    }
    await fs.rename(tmp, path, guard);
  } catch (err) {
    await fs.unlink(tmp, guard).catch(() => undefined);
    throw err;
  }
  await fs.syncDir(dir, guardFor(dir, base, trusted));
  const written = await fs.lstat(path);
  if (!written) throw fileChanged(`${path} vanished right after it was written`);
  return written;
}

/** The content of a file lstat just saw; gone (or swapped) since is a concurrent change. */
async function readOrChanged(fs: FilePrimitives, path: string, guard: PathGuard) {
  const read = await fs.readGuarded(path, guard);
  if (!read) throw fileChanged(`${path} vanished while it was read`, { details: { path } });
  return read.content;
}

function checkUnchanged(
  path: string,
  opts: WriteFileOptions,
  current: FileStat | null,
  currentHash: string | null,
): void {
  const changed = (why: string) =>
    fileChanged(`${path} changed since it was read (${why}); nothing was written`, {
      details: { path },
    });
  if (opts.expectAbsent && current) throw changed('it now exists');
  if (opts.expectedSha256 !== undefined && opts.expectedSha256 !== currentHash) {
    throw changed(current ? 'content differs' : 'it was removed');
  }
  if (opts.expectedMtimeMs !== undefined && opts.expectedMtimeMs !== current?.mtimeMs) {
    throw changed(current ? 'modification time differs' : 'it was removed');
  }
}

async function replaceWith(
  fs: FilePrimitives,
  path: string,
  content: Buffer,
  owner: FileOwnership,
  guard: PathGuard,
): Promise<void> {
  const existing = await fs.lstat(path);
  if (existing && existing.type !== 'file') {
    throw symlinkRefused(`refusing to replace ${path}: it is a ${existing.type}`);
  }
  const tmp = temporaryName(path);
  await fs.createFile(tmp, content, owner, guard);
  try {
    await fs.rename(tmp, path, guard);
  } catch (err) {
    await fs.unlink(tmp, guard).catch(() => undefined);
    throw err;
  }
}

/** Dot-prefixed so globs such as `sshd_config.d/*.conf` and ~/.ssh listings skip it. */
function temporaryName(path: string): string {
  const suffix = randomBytes(6).toString('hex');
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.keywarden-tmp-${suffix}`);
}
