/**
 * Builds the OpenSSH key revocation list (KRL) of every blacklisted key with `ssh-keygen -k`,
 * on the controller. Why here and not on each host: the blacklist holds fingerprints, which
 * ssh-keygen turns into a KRL from a spec file of `hash: SHA256:...` lines; the result is
 * public (no secret) and the same for every host, so it is built once per blacklist state
 * and each host only writes a file (the agent and the SSH helper already can), with no
 * temporary files in root's directories and no dependence on the host's ssh-keygen version.
 * OpenSSH reads SHA256 fingerprint entries since 7.9.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandFailed, invalidInput } from '../../shared/errors';
import { sha256Hex } from '../../shared/hostops/deploy-sshd-config';

const run = promisify(execFile);
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export interface BuiltKrl {
  krl: Buffer;
  sha256: string;
  /** The fingerprints it revokes, sorted (a non-canonical one, which no key has, is left out). */
  fingerprints: string[];
}

/** The last list built: ssh-keygen stamps the build time in, so reuse keeps hosts' files equal. */
let last: { key: string; built: BuiltKrl } | undefined;

export async function buildKrl(fingerprints: readonly string[]): Promise<BuiltKrl> {
  const sorted = [...new Set(fingerprints)].sort();
  for (const fp of sorted) {
    // The spec file is line-based: a fingerprint with a newline would add an entry.
    if (!FINGERPRINT.test(fp))
      throw invalidInput(`blacklist entry ${JSON.stringify(fp)} is not a SHA256 fingerprint`, {
        details: { field: 'fingerprint', value: fp, expected: 'SHA256:<43 base64 characters>' },
      });
  }
  // ssh-keygen refuses the whole list for one entry that is no canonical base64 of 32 bytes
  // (its last character carrying stray bits); no key has such a fingerprint, so it is left out.
  const canonical = sorted.filter(isCanonical);
  const key = canonical.join('\n');
  if (last?.key === key) return last.built;
  const dir = await mkdtemp(join(tmpdir(), 'keywarden-krl-'));
  try {
    const spec = join(dir, 'spec');
    const out = join(dir, 'krl');
    await writeFile(spec, canonical.map((fp) => `hash: ${fp}\n`).join(''), { mode: 0o600 });
    await run('ssh-keygen', ['-q', '-k', '-f', out, spec], { timeout: 60_000 }).catch(
      (err: { stderr?: string; message: string }) => {
        throw commandFailed(
          `ssh-keygen -k could not build the revocation list: ${err.stderr || err.message}`,
          {
            cause: err,
          },
        );
      },
    );
    const krl = await readFile(out);
    const built = { krl, sha256: sha256Hex(krl), fingerprints: canonical };
    last = { key, built };
    return built;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether a fingerprint can be in a list at all (see buildKrl). */
export function isCanonical(fp: string): boolean {
  const b64 = fp.slice('SHA256:'.length);
  const bytes = Buffer.from(b64, 'base64');
  return bytes.length === 32 && bytes.toString('base64').replace(/=+$/, '') === b64;
}
