import { invalidInput } from '../errors';
import type { HostSession } from '../session/host-session';
import { effectiveSshdConfig } from '../ssh/sshd-config';
import { sha256Hex } from './deploy-sshd-config';
import {
  DEFAULT_SSHD_CONFIG,
  loadHostSshdConfig,
  sshdViewByAccount,
  type ConfigReads,
} from './host-sshd-config';

/** Where Keywarden keeps its OpenSSH key revocation list (KRL) on a host, root-owned. */
export const REVOKED_KEYS_PATH = '/etc/ssh/keywarden_revoked_keys';

export interface WriteRevokedKeysParams {
  /** The KRL (`ssh-keygen -k` output, binary) in base64: arguments cross a process boundary as JSON. */
  krlBase64: string;
  /** SHA-256 (hex) of the KRL bytes: what arrives must be what the controller built. */
  sha256: string;
  path?: string;
  sshdConfigPath?: string;
}

export interface WriteRevokedKeysResult {
  path: string;
  sha256: string;
  /** false when the file already held exactly this list. */
  written: boolean;
  /** The RevokedKeys sshd uses outside any Match block (null: none set). */
  revokedKeys: string | null;
  /** Accounts for which a Match block makes sshd use another RevokedKeys (or none). */
  accountsElsewhere: string[];
  /** The main sshd config as read, for a deploy that adds the RevokedKeys line. */
  mainConfig: { path: string; text: string; sha256: string } | null;
}

/**
 * Writes the KRL at its fixed root-owned path (atomically, no symlink followed on the way,
 * mode 0644, owner root), then reports whether sshd uses it: the file is always written
 * before any config line names it, because sshd refuses every key when RevokedKeys names a
 * file it cannot read. sshd reads the KRL at each authentication, so replacing the file
 * takes effect without a reload; only adding the RevokedKeys line needs one (conf-deploy).
 */
export async function writeRevokedKeys(
  session: HostSession,
  params: WriteRevokedKeysParams,
): Promise<WriteRevokedKeysResult> {
  const path = params.path ?? REVOKED_KEYS_PATH;
  const krl = Buffer.from(params.krlBase64, 'base64');
  if (sha256Hex(krl) !== params.sha256) {
    throw invalidInput('the revocation list does not match its SHA-256: not written', {
      details: { field: 'krlBase64', expected: params.sha256, got: sha256Hex(krl) },
    });
  }
  const before = (await session.stat(path)) ? await session.readFile(path) : undefined;
  const written = before?.sha256 !== params.sha256;
  if (written) {
    await session.writeFileAtomic(path, krl, {
      mode: 0o644,
      uid: 0,
      gid: 0,
      backup: false,
      ...(before ? { expectedSha256: before.sha256 } : { expectAbsent: true }),
    });
  }
  const configPath = params.sshdConfigPath ?? DEFAULT_SSHD_CONFIG;
  const reads: ConfigReads = new Map();
  const loaded = await loadHostSshdConfig(session, configPath, reads);
  const global = effectiveSshdConfig(loaded).first('RevokedKeys')?.args[0] ?? null;
  const revokedKeys = global === null || global.toLowerCase() === 'none' ? null : global;
  const { views } = await sshdViewByAccount(session, { loaded });
  const accountsElsewhere = views
    .filter((v) => (v.config.first('RevokedKeys')?.args[0] ?? null) !== global)
    .map((v) => v.account.name);
  const main = reads.get(configPath);
  return {
    path,
    sha256: params.sha256,
    written,
    revokedKeys,
    accountsElsewhere,
    mainConfig: main ? { path: configPath, text: main.text, sha256: main.sha256 } : null,
  };
}
