import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchPattern } from '../../../shared/ssh/patterns';
import {
  authorizedKeysCommand,
  authorizedKeysCommandUser,
  authorizedKeysFilePatterns,
  authorizedKeysFiles,
  authorizedPrincipalsFile,
  effectiveSshdConfig,
  expandAuthorizedPath,
  hostKeys,
  loadSshdConfig,
  passwordAuthentication,
  permitRootLogin,
  ports,
  pubkeyAuthentication,
  tokenizeSshdLine,
  trustedUserCaKeys,
  type EffectiveSshdConfig,
  type SshdConfigSource,
  type SshdConnection,
} from '../../../shared/ssh/sshd-config';
import { makeTempDir, type TempDir } from './keygen';

let dir: TempDir;

/** Local disk through the callback interface; globs only in the last path component. */
const localSource: SshdConfigSource = {
  readFile: (path) => Promise.resolve(existsSync(path) ? readFileSync(path, 'utf8') : undefined),
  glob: (pattern) => {
    const d = dirname(pattern);
    if (!existsSync(d)) return Promise.resolve([]);
    const names = readdirSync(d).filter((n) => matchPattern(n, basename(pattern)));
    return Promise.resolve(names.map((n) => `${d}/${n}`));
  },
};

const KEYWORDS = [
  'authorizedkeysfile',
  'authorizedkeyscommand',
  'authorizedkeyscommanduser',
  'authorizedprincipalsfile',
  'trustedusercakeys',
  'pubkeyauthentication',
  'permitrootlogin',
  'passwordauthentication',
  'hostkey',
  'port',
];

function sshdT(config: string, conn: SshdConnection): string[] {
  const spec = [`user=${conn.user}`, `host=${conn.host}`, `addr=${conn.addr}`];
  if (conn.laddr) spec.push(`laddr=${conn.laddr}`);
  if (conn.lport) spec.push(`lport=${conn.lport}`);
  const out = execFileSync('/usr/sbin/sshd', ['-T', '-C', spec.join(','), '-f', config], {
    encoding: 'utf8',
    stdio: 'pipe',
  });
  return out
    .split('\n')
    .filter((l) => KEYWORDS.includes(l.split(' ')[0]!))
    .map((l) =>
      l.replace(/^permitrootlogin without-password$/, 'permitrootlogin prohibit-password'),
    )
    .sort();
}

function ours(cfg: EffectiveSshdConfig): string[] {
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  return [
    `authorizedkeysfile ${authorizedKeysFilePatterns(cfg).join(' ')}`,
    `authorizedkeyscommand ${authorizedKeysCommand(cfg) ?? 'none'}`,
    `authorizedkeyscommanduser ${authorizedKeysCommandUser(cfg) ?? 'none'}`,
    `authorizedprincipalsfile ${authorizedPrincipalsFile(cfg) ?? 'none'}`,
    `trustedusercakeys ${trustedUserCaKeys(cfg) ?? 'none'}`,
    `pubkeyauthentication ${yn(pubkeyAuthentication(cfg))}`,
    `permitrootlogin ${permitRootLogin(cfg)}`,
    `passwordauthentication ${yn(passwordAuthentication(cfg))}`,
    ...hostKeys(cfg).map((k) => `hostkey ${k}`),
    ...ports(cfg).map((p) => `port ${p}`),
  ].sort();
}

const groupsOf = (user: string) =>
  execFileSync('id', ['-Gn', user], { encoding: 'utf8' }).trim().split(' ');

beforeAll(() => {
  dir = makeTempDir('kw-sshd-');
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true });
  for (const k of ['hk1', 'hk2']) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', dir.file(k)]);
  }
  mkdirSync(dir.file('conf.d'));
  writeFileSync(
    dir.file('main'),
    [
      '# main config',
      'Port 2200',
      `HostKey ${dir.file('hk1')}`,
      `Include ${dir.file('conf.d')}/*.conf`,
      'passwordauthentication no',
      'AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u "/var/keys/%%/%U"  # trailing',
      'PermitRootLogin no',
      'PubkeyAuthentication = yes',
      'Match User root Address 10.0.0.0/8,!10.9.0.0/16',
      '  PermitRootLogin forced-commands-only',
      '  AuthorizedKeysFile none',
      'Match Host *.example.com,!bad.example.com',
      '\tPasswordAuthentication yes',
      '\tAuthorizedKeysCommand /usr/local/bin/keys "%u" %f',
      '\tAuthorizedKeysCommandUser nobody',
      'Match Group daemon,adm',
      '  TrustedUserCAKeys /etc/ssh/ca.pub',
      'Match LocalPort 2201',
      '  AuthorizedPrincipalsFile /etc/ssh/principals/%u',
      'Match LocalAddress 192.168.1.*',
      '  PubkeyAuthentication no',
      'Match User nobody',
      `  Include ${dir.file('inner')}`,
      '  PermitRootLogin yes',
      'Match all',
      '  PasswordAuthentication no',
      '',
    ].join('\n'),
  );
  writeFileSync(
    dir.file('conf.d/10-a.conf'),
    `Port 2201\r\nHostKey ${dir.file('hk2')}\r\nPermitRootLogin prohibit-password\r\nMatch User nobody\r\n  AuthorizedKeysFile /nobody/%h/keys\r\n`,
  );
  writeFileSync(dir.file('conf.d/20-b.conf'), 'AuthorizedPrincipalsFile /global/principals\n');
  writeFileSync(dir.file('conf.d/ignored.txt'), 'Port 9999\n');
  writeFileSync(
    dir.file('inner'),
    'TrustedUserCAKeys /inner/ca\nMatch All\n  PubkeyAuthentication no\n',
  );
});
afterAll(() => dir.cleanup());

describe('effective sshd configuration against sshd -T', () => {
  // sshd -T insists on laddr/lport when the file has LocalAddress/LocalPort criteria.
  const connections: SshdConnection[] = [
    { user: 'root', host: 'a.example.com', addr: '10.1.2.3', laddr: '10.0.0.1', lport: 22 },
    { user: 'root', host: 'bad.example.com', addr: '10.9.1.1', laddr: '10.0.0.1', lport: 22 },
    { user: 'root', host: 'A.EXAMPLE.COM', addr: '::1', laddr: '::1', lport: 22 },
    { user: 'nobody', host: 'x.example.com', addr: '1.2.3.4', laddr: '10.0.0.1', lport: 2201 },
    { user: 'daemon', host: 'h', addr: '192.168.0.1', laddr: '192.168.1.7', lport: 22 },
    { user: 'root', host: 'h', addr: '10.200.0.1', laddr: '10.0.0.1', lport: 22 },
  ];

  it('gives the values sshd -T prints for each connection', async () => {
    const loaded = await loadSshdConfig(localSource, dir.file('main'));
    expect(loaded.errors).toEqual([]);
    expect(loaded.files).toEqual([
      dir.file('main'),
      dir.file('conf.d/10-a.conf'),
      dir.file('conf.d/20-b.conf'),
      dir.file('inner'),
    ]);
    const distinct = new Set<string>();
    for (const conn of connections) {
      const cfg = effectiveSshdConfig(loaded, { ...conn, groups: groupsOf(conn.user) });
      const expected = sshdT(dir.file('main'), conn);
      expect(ours(cfg), JSON.stringify(conn)).toEqual(expected);
      distinct.add(expected.join('\n'));
    }
    // Every connection above takes a different path through the Match blocks.
    expect(distinct.size).toBe(connections.length);
  });

  it('expands AuthorizedKeysFile tokens for an account, relative paths under home', async () => {
    const loaded = await loadSshdConfig(localSource, dir.file('main'));
    const cfg = effectiveSshdConfig(loaded, { user: 'alice', host: 'h', addr: '1.1.1.1' });
    expect(authorizedKeysFiles(cfg, { user: 'alice', home: '/home/alice', uid: 1001 })).toEqual([
      '/home/alice/.ssh/authorized_keys',
      '/etc/ssh/keys/alice',
      '/var/keys/%/1001',
    ]);
    expect(expandAuthorizedPath('%h/k_%u%%', { user: 'b', home: '/h/b/', uid: 0 })).toBe(
      '/h/b//k_b%',
    );
    expect(expandAuthorizedPath('keys/%U', { user: 'b', home: '/h/b/', uid: 7 })).toBe(
      '/h/b/keys/7',
    );
  });

  it('resolves relative Include paths under /etc/ssh and reports unknown or broken lines', async () => {
    const files: Record<string, string> = {
      '/etc/ssh/sshd_config': 'Include sshd_config.d/*.conf\nPort "22\n',
      '/etc/ssh/sshd_config.d/a.conf': 'Match Bogus x\nMatch User a\n  Port 2\n',
    };
    const seen: string[] = [];
    const loaded = await loadSshdConfig({
      readFile: (p) => Promise.resolve(files[p]),
      glob: (p) => {
        seen.push(p);
        return Promise.resolve(Object.keys(files).filter((f) => matchPattern(f, p)));
      },
    });
    expect(seen).toEqual(['/etc/ssh/sshd_config.d/*.conf']);
    expect(loaded.errors.map((e) => `${e.file}:${e.line} ${e.message}`)).toEqual([
      '/etc/ssh/sshd_config:2 invalid quotes',
      '/etc/ssh/sshd_config.d/a.conf:1 Unsupported Match attribute Bogus',
      "/etc/ssh/sshd_config.d/a.conf:3 Directive 'Port' is not allowed within a Match block",
    ]);
  });

  it('tokenizes keywords, = separators, quotes and comments like sshd', () => {
    expect(tokenizeSshdLine('  Port=22')).toMatchObject({ keyword: 'port', args: ['22'] });
    expect(tokenizeSshdLine('AcceptEnv "A B" C\\ D E # comment')).toMatchObject({
      args: ['A B', 'C D', 'E'],
    });
    expect(tokenizeSshdLine('# Port 22')).toBeUndefined();
    expect(tokenizeSshdLine('Port')).toEqual({ error: 'no argument after keyword "Port"' });
  });
});
