/** The backup settings refuse what would make an upload or a secrets backup go wrong later. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../controller/cli/main';
import { loadConfig } from '../../../controller/config/load-config';

const load = (env: Record<string, string>) => () =>
  loadConfig({ KEYWARDEN_DATA_DIR: '/tmp/x', ...env });

describe('backup settings', () => {
  it('reads an SFTP target URL', () => {
    expect(
      loadConfig({ KEYWARDEN_BACKUP_SFTP: 'sftp://bk@backup.example:2222/srv/kw' }).backupSftpUrl,
    ).toEqual({ host: 'backup.example', port: 2222, username: 'bk', dir: '/srv/kw' });
  });

  it('refuses a target with a password, without a user or without a directory, naming the setting', () => {
    let message = '';
    try {
      load({ KEYWARDEN_BACKUP_SFTP: 'sftp://bk:hunter2@h/srv' })();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/KEYWARDEN_BACKUP_SFTP=.* is invalid: expected no password/);
    expect(message).not.toContain('hunter2');
    expect(load({ KEYWARDEN_BACKUP_SFTP: 'sftp://h/srv' })).toThrow(
      /KEYWARDEN_BACKUP_SFTP=.*sftp:\/\/USER@HOST/,
    );
    expect(load({ KEYWARDEN_BACKUP_SFTP: 'sftp://bk@h/' })).toThrow(/naming the remote directory/);
  });

  it('refuses a login key that is not sealed, without echoing it', () => {
    let message = '';
    try {
      load({ KEYWARDEN_BACKUP_SFTP_KEY: '-----BEGIN OPENSSH PRIVATE KEY----- secretbytes' })();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('KEYWARDEN_BACKUP_SFTP_KEY');
    expect(message).not.toContain('secretbytes');
  });

  it('reads age recipients and refuses anything else', () => {
    const r = 'age1e0an9h4rwtnmpce7pv5ml0ymlfeswyz2pvv23xfrn7fr93n2c4nqm6a8cc';
    expect(
      loadConfig({ KEYWARDEN_SECRETS_BACKUP_RECIPIENTS: ` ${r}, ${r}` }).secretsBackupRecipients,
    ).toEqual([r, r]);
    expect(load({ KEYWARDEN_SECRETS_BACKUP_RECIPIENTS: 'ssh-ed25519 AAAA' })).toThrow(
      /an age public key/,
    );
  });

  it('seal-backup-key refuses to seal without the controller master key, and makes none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-seal-'));
    try {
      writeFileSync(path.join(dir, 'id'), '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n', {
        mode: 0o600,
      });
      const err: string[] = [];
      const code = await runCli(
        ['seal-backup-key', path.join(dir, 'id')],
        { KEYWARDEN_DATA_DIR: path.join(dir, 'data') },
        () => undefined,
        (s) => err.push(s),
      );
      expect(code).toBe(1);
      expect(err.join('')).toContain(
        `no master key: ${path.join(dir, 'data', 'master.key')} does not exist`,
      );
      expect(existsSync(path.join(dir, 'data'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
