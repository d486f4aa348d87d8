/**
 * Test helpers that make real keys with ssh-keygen and read what `ssh-keygen -l` says about
 * them, so the parsers are compared with OpenSSH itself rather than with copied fixtures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSshString } from '../../../shared/ssh/ssh-wire';

export interface TempDir {
  path: string;
  file(name: string): string;
  cleanup(): void;
}

export function makeTempDir(prefix = 'kw-ssh-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** Generates a key pair and returns the `.pub` line. */
export function generateKey(
  dir: TempDir,
  name: string,
  type: string,
  bits?: number,
  comment = name,
): string {
  const args = ['-q', '-t', type, '-N', '', '-C', comment, '-f', dir.file(name)];
  if (bits !== undefined) args.push('-b', String(bits));
  execFileSync('ssh-keygen', args, { stdio: 'pipe' });
  return readFileSync(dir.file(`${name}.pub`), 'utf8').trim();
}

/** Signs `name.pub` with CA `ca`, returning the certificate line. */
export function signKey(
  dir: TempDir,
  ca: string,
  name: string,
  opts: { id: string; principals: string[]; serial: number; validity?: string; host?: boolean },
): string {
  const args = ['-q', '-s', dir.file(ca), '-I', opts.id, '-z', String(opts.serial)];
  if (opts.principals.length > 0) args.push('-n', opts.principals.join(','));
  if (opts.validity) args.push('-V', opts.validity);
  if (opts.host) args.push('-h');
  args.push(dir.file(`${name}.pub`));
  execFileSync('ssh-keygen', args, { stdio: 'pipe' });
  return readFileSync(dir.file(`${name}-cert.pub`), 'utf8').trim();
}

/** The lines `ssh-keygen -l -E hash -f file` prints for `text`. */
export function keygenList(
  dir: TempDir,
  text: string,
  hash: 'sha256' | 'md5' = 'sha256',
): string[] {
  const f = dir.file(`list-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(f, text);
  const out = execFileSync('ssh-keygen', ['-l', '-E', hash, '-f', f], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '');
}

/** A security-key blob built by hand (no hardware here): the wire format of PROTOCOL.u2f. */
export function skEd25519Line(pub32: Buffer, application: string, comment: string): string {
  const blob = Buffer.concat([
    encodeSshString('sk-ssh-ed25519@openssh.com'),
    encodeSshString(pub32),
    encodeSshString(application),
  ]);
  return `sk-ssh-ed25519@openssh.com ${blob.toString('base64')} ${comment}`;
}

export function skEcdsaLine(point: Buffer, application: string, comment: string): string {
  const blob = Buffer.concat([
    encodeSshString('sk-ecdsa-sha2-nistp256@openssh.com'),
    encodeSshString('nistp256'),
    encodeSshString(point),
    encodeSshString(application),
  ]);
  return `sk-ecdsa-sha2-nistp256@openssh.com ${blob.toString('base64')} ${comment}`;
}
