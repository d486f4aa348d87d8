/**
 * Config edits followed by a scan in the same session. A reload makes sshd restart its
 * listener, so a second connection opened right after it may be refused; the session that
 * made the change is still up (sshd keeps established connections across a reload) and
 * reads back what is now on disk.
 */
import type { HostSession } from '../session/host-session';
import { deploySshdConfig, type DeploySshdConfigParams } from './deploy-sshd-config';
import type { DeploySshdConfigResult, LoginCheck } from './deploy-sshd-config';
import { relocateUserKeys, type RelocateUserKeysParams } from './relocate-user-keys';
import type { RelocateUserKeysResult } from './relocate-user-keys';
import { scanAuthorizedKeys, type ScanAuthorizedKeysResult } from './scan-authorized-keys';
import { scanConfigs, type ScanConfigsResult } from './scan-configs';

export async function deploySshdConfigThenScan(
  session: HostSession,
  params: DeploySshdConfigParams,
  loginCheck?: LoginCheck,
): Promise<{ deploy: DeploySshdConfigResult; configs: ScanConfigsResult }> {
  const deploy = await deploySshdConfig(session, params, loginCheck);
  const main = params.mainConfigPath ?? params.path;
  const configs = await scanConfigs(session, {
    ...(main ? { sshdConfigPath: main } : {}),
    ...(params.sshdBinary ? { sshdBinary: params.sshdBinary } : {}),
  });
  return { deploy, configs };
}

export async function relocateUserKeysThenScan(
  session: HostSession,
  params: RelocateUserKeysParams,
  loginCheck?: LoginCheck,
): Promise<{ relocation: RelocateUserKeysResult; authorizedKeys: ScanAuthorizedKeysResult }> {
  const relocation = await relocateUserKeys(session, params, loginCheck);
  const authorizedKeys = await scanAuthorizedKeys(session, {
    ...(params.accounts ? { accounts: params.accounts } : {}),
    ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
  });
  return { relocation, authorizedKeys };
}
