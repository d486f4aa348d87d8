import { describe, expect, it } from 'vitest';
import { setAuthorizedKeysFile } from '../../../shared/hostops/set-authorized-keys-file';
import { effectiveSshdConfig, loadSshdConfig } from '../../../shared/ssh/sshd-config';

async function load(files: Record<string, string>) {
  const loaded = await loadSshdConfig(
    {
      readFile: async (p) => files[p],
      glob: async (pattern) =>
        Object.keys(files).filter((f) => new RegExp(`^${pattern.replace('*', '[^/]*')}$`).test(f)),
    },
    '/etc/ssh/sshd_config',
  );
  return { loaded, texts: new Map(Object.entries(files)) };
}

describe('setting AuthorizedKeysFile through the parser', () => {
  it('rewrites the winning line where it is, even in an Included file, and nothing else', async () => {
    const files = {
      '/etc/ssh/sshd_config':
        'Include /etc/ssh/sshd_config.d/*.conf\r\nAuthorizedKeysFile .ssh/ignored\r\nMatch User svc\r\n  AuthorizedKeysFile /srv/keys\r\n',
      '/etc/ssh/sshd_config.d/10-keys.conf':
        '# ours\n  authorizedkeysfile=.ssh/authorized_keys .ssh/authorized_keys2 # two\nPort 22\n',
    };
    const { loaded, texts } = await load(files);
    const change = setAuthorizedKeysFile(loaded, texts, '/etc/ssh/sshd_config', [
      '/etc/ssh/keys/%u',
    ]);
    expect(change).toMatchObject({
      file: '/etc/ssh/sshd_config.d/10-keys.conf',
      line: 2,
      content: '# ours\n  AuthorizedKeysFile /etc/ssh/keys/%u\nPort 22\n',
      overriddenInMatch: [{ file: '/etc/ssh/sshd_config', line: 4 }],
    });
    // Read back by the same parser, the new value is the one that wins.
    const after = await load({ ...files, [change.file]: change.content });
    expect(effectiveSshdConfig(after.loaded).args('AuthorizedKeysFile')).toEqual([
      '/etc/ssh/keys/%u',
    ]);
  });

  it('inserts the keyword at the top when nothing sets it, keeping CRLF, and quotes blanks', async () => {
    const { loaded, texts } = await load({
      '/etc/ssh/sshd_config': 'Port 22\r\nMatch User x\r\n  AuthorizedKeysFile /x\r\n',
    });
    const change = setAuthorizedKeysFile(loaded, texts, '/etc/ssh/sshd_config', [
      '/etc/ssh/my keys/%u',
    ]);
    expect(change).toMatchObject({
      line: 0,
      content:
        'AuthorizedKeysFile "/etc/ssh/my keys/%u"\r\nPort 22\r\nMatch User x\r\n  AuthorizedKeysFile /x\r\n',
    });
    const after = await load({ '/etc/ssh/sshd_config': change.content });
    expect(effectiveSshdConfig(after.loaded).args('AuthorizedKeysFile')).toEqual([
      '/etc/ssh/my keys/%u',
    ]);
  });
});
