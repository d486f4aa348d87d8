/**
 * Parsers of the backup settings: where backups are uploaded (an SFTP URL, its pinned host
 * key, the login key sealed with the master key) and whom secrets backups are encrypted to.
 */
import { settingFailure as fail, type SettingParse } from '../../shared/config/settings-parser';

export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  /** The remote directory backups are put into (created if missing). */
  dir: string;
}

/** sftp://USER@HOST[:PORT]/DIR; no password in the URL (key auth only). */
export const asSftpUrl: SettingParse<SftpTarget> = (raw, name) => {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return fail(name, raw, 'an sftp://USER@HOST[:PORT]/DIR URL');
  }
  if (u.protocol !== 'sftp:' || !u.hostname || !u.username)
    return fail(name, raw, 'an sftp://USER@HOST[:PORT]/DIR URL');
  if (u.password)
    return fail(
      name,
      '(a URL with a password)',
      'no password: the login key is KEYWARDEN_BACKUP_SFTP_KEY',
    );
  const dir = decodeURIComponent(u.pathname);
  if (dir === '' || dir === '/') return fail(name, raw, 'a URL naming the remote directory (/DIR)');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 22,
    username: decodeURIComponent(u.username),
    dir,
  };
};

export const asHostKeyFingerprint: SettingParse<string> = (raw, name) =>
  /^SHA256:[A-Za-z0-9+/]{43}$/.test(raw.trim())
    ? raw.trim()
    : fail(name, raw, 'a host key fingerprint SHA256:<43 base64 characters> (ssh-keygen -l)');

/** A value sealed with the master key; a key in clear here would defeat the point. */
export const asSealedValue: SettingParse<string> = (raw, name) =>
  /^kw1:[0-9a-f]{12}:[A-Za-z0-9+/=]+$/.test(raw.trim())
    ? raw.trim()
    : fail(name, '(not shown)', 'a sealed value kw1:... made by keywarden seal-backup-key');

/** age X25519 (age1...) or hybrid post-quantum (age1pq1...) recipients, comma separated. */
export const asAgeRecipients: SettingParse<string[]> = (raw, name) => {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) return fail(name, raw, 'one or more age public keys (age1...)');
  for (const r of list)
    if (!/^age1[0-9a-z]{20,}$/.test(r))
      return fail(name, r, 'an age public key such as age1... (age-keygen -y IDENTITY_FILE)');
  return list;
};
