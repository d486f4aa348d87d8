import type { Account, Group, HostSession } from '../session/host-session';
import { DEFAULT_SSHD_CONFIG, loadHostSshdConfig, type ConfigReads } from './host-sshd-config';
import { hostReadLimits } from './host-read-limits';
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

/**
 * Every scan in one visit to the host (one connection, one consistent picture): the account
 * files and the sshd config are read once and shared by the scans that need them, so a
 * scan-full asks the host no more than the scans it is made of would each ask alone.
 */
export async function scanFull(
  session: HostSession,
  params: ScanFullParams = {},
): Promise<ScanFullResult> {
  const once = withAccountFilesReadOnce(session);
  const limits = hostReadLimits(params.limits);
  const reads: ConfigReads = new Map();
  const loaded = await loadHostSshdConfig(
    once,
    params.sshdConfigPath ?? DEFAULT_SSHD_CONFIG,
    reads,
    limits,
  );
  const config = {
    ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
    ...(params.limits ? { limits: params.limits } : {}),
  };
  return {
    accounts: await listAccounts(once),
    authorizedKeys: await scanAuthorizedKeys(once, config, { loaded }),
    privateKeys: await scanPrivateKeys(once, {
      ...(params.extraPrivateKeyPaths ? { extraPaths: params.extraPrivateKeyPaths } : {}),
      ...(params.limits ? { limits: params.limits } : {}),
    }),
    configs: await scanConfigs(once, params, { loaded, reads }),
    keyActivity: await scanKeyActivity(once, params),
  };
}

/**
 * The session, with /etc/passwd and /etc/group read at most once: the scans each list the
 * accounts. Everything else is the session's own (its methods run on it through the prototype).
 */
function withAccountFilesReadOnce(session: HostSession): HostSession {
  let accounts: Promise<Account[]> | undefined;
  let groups: Promise<Group[]> | undefined;
  const once = Object.create(session) as HostSession;
  once.listAccounts = () => (accounts ??= session.listAccounts());
  once.listGroups = () => (groups ??= session.listGroups());
  return once;
}
