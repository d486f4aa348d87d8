import type { HostSession } from '../session/host-session';
import type { AccountInventory } from './list-accounts';
import { listAccounts } from './list-accounts';
import type { ScanAuthorizedKeysResult } from './scan-authorized-keys';
import { scanAuthorizedKeys } from './scan-authorized-keys';
import type { ScanConfigsParams, ScanConfigsResult } from './scan-configs';
import { scanConfigs } from './scan-configs';
import type { ScanKeyActivityParams, ScanKeyActivityResult } from './scan-key-activity';
import { scanKeyActivity } from './scan-key-activity';
import type { ScanPrivateKeysResult } from './scan-private-keys';
import { scanPrivateKeys } from './scan-private-keys';

export interface ScanFullParams extends ScanConfigsParams, ScanKeyActivityParams {
  extraPrivateKeyPaths?: string[];
}

export interface ScanFullResult {
  accounts: AccountInventory;
  authorizedKeys: ScanAuthorizedKeysResult;
  privateKeys: ScanPrivateKeysResult;
  configs: ScanConfigsResult;
  keyActivity: ScanKeyActivityResult;
}

/** Every scan in one visit to the host (one connection, one consistent picture). */
export async function scanFull(
  session: HostSession,
  params: ScanFullParams = {},
): Promise<ScanFullResult> {
  const config = {
    ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
    ...(params.limits ? { limits: params.limits } : {}),
  };
  return {
    accounts: await listAccounts(session),
    authorizedKeys: await scanAuthorizedKeys(session, config),
    privateKeys: await scanPrivateKeys(session, {
      ...(params.extraPrivateKeyPaths ? { extraPaths: params.extraPrivateKeyPaths } : {}),
      ...(params.limits ? { limits: params.limits } : {}),
    }),
    configs: await scanConfigs(session, params),
    keyActivity: await scanKeyActivity(session, params),
  };
}
