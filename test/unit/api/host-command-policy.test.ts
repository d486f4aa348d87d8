import { describe, expect, it } from 'vitest';
import {
  checkHostCommands,
  isAllowedConfigPath,
} from '../../../controller/auth/host-command-policy';
import { loadConfig } from '../../../controller/config/load-config';
import { confDeployHost } from '../../../controller/jobs/conf-deploy-host';
import { relocateUserKeys } from '../../../controller/jobs/relocate-user-keys';
import { relocateUserKeysHost } from '../../../controller/jobs/relocate-user-keys-host';

describe('allow-lists of host commands', () => {
  const config = loadConfig({ KEYWARDEN_DATA_DIR: '/tmp/kw-unit-policy' });

  it('has defaults that cover what Keywarden itself runs', () => {
    expect(config.allowedSshdBinaries).toEqual(['/usr/sbin/sshd']);
    expect(config.allowedReloadCommands).toContainEqual(['systemctl', 'reload', 'ssh']);
    expect(() =>
      checkHostCommands(config, confDeployHost, {
        path: '/etc/ssh/sshd_config',
        sshdBinary: '/usr/sbin/sshd',
        reloadCommand: ['systemctl', 'reload', 'sshd'],
      }),
    ).not.toThrow();
  });

  it('allows a directory entry only for the files directly in it, normalized', () => {
    const allowed = ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/'];
    expect(isAllowedConfigPath(allowed, '/etc/ssh/sshd_config.d/10-a.conf')).toBe(true);
    expect(isAllowedConfigPath(allowed, '/etc/ssh/sshd_config.d/sub/a.conf')).toBe(false);
    expect(isAllowedConfigPath(allowed, '/etc/ssh/sshd_config.d/../../shadow')).toBe(false);
    expect(isAllowedConfigPath(allowed, '/etc/ssh/sshd_config.d/')).toBe(false);
    expect(isAllowedConfigPath(allowed, '/etc/ssh//sshd_config')).toBe(false);
    expect(isAllowedConfigPath(allowed, '/etc/ssh/sshd_config.bak')).toBe(false);
  });

  it('matches a reload command exactly, argument by argument', () => {
    const refuse = (reloadCommand: string[]) => () =>
      checkHostCommands(config, relocateUserKeysHost, { reloadCommand });
    expect(refuse(['systemctl', 'reload', 'ssh'])).not.toThrow();
    expect(refuse(['systemctl', 'reload', 'ssh', '; rm -rf /'])).toThrow(/allowedReloadCommands/);
    expect(refuse(['systemctl', 'reload'])).toThrow(/allowedReloadCommands/);
  });

  it("copies users' keys as root only to the relocation targets an admin set", () => {
    const relocate = (target: string) => () =>
      checkHostCommands(config, relocateUserKeys, { target });
    expect(relocate('/etc/ssh/authorized_keys/%u')).not.toThrow();
    expect(relocate('/etc/cron.d/%u')).toThrow(/allowedRelocationTargets/);
    expect(() =>
      checkHostCommands(config, relocateUserKeysHost, { target: '/etc/sudoers.d/%u' }),
    ).toThrow(/not in settings.allowedRelocationTargets \(KEYWARDEN_ALLOWED_RELOCATION_TARGETS\)/);
  });

  it('reads the settings from JSON or comma lists and refuses relative or unnormalized paths', () => {
    const c = loadConfig({
      KEYWARDEN_DATA_DIR: '/tmp/kw-unit-policy',
      KEYWARDEN_ALLOWED_SSHD_BINARIES: '/usr/sbin/sshd, /opt/ssh/sbin/sshd',
      KEYWARDEN_ALLOWED_RELOAD_COMMANDS: '[["pkill","-HUP","-x","sshd"]]',
    });
    expect(c.allowedSshdBinaries).toEqual(['/usr/sbin/sshd', '/opt/ssh/sbin/sshd']);
    expect(c.allowedReloadCommands).toEqual([['pkill', '-HUP', '-x', 'sshd']]);
    for (const bad of ['sshd', '/usr/../bin/sh', '["/ok", 5]'])
      expect(() =>
        loadConfig({ KEYWARDEN_DATA_DIR: '/tmp/kw', KEYWARDEN_ALLOWED_SSHD_BINARIES: bad }),
      ).toThrow(/KEYWARDEN_ALLOWED_SSHD_BINARIES/);
    expect(() =>
      loadConfig({ KEYWARDEN_DATA_DIR: '/tmp/kw', KEYWARDEN_ALLOWED_RELOAD_COMMANDS: 'systemctl' }),
    ).toThrow(/KEYWARDEN_ALLOWED_RELOAD_COMMANDS/);
  });
});
