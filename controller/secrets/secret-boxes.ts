/**
 * The controller's sealing tools, built from its master key: the secret box for values
 * sealed into job params and results, and the vault of host credentials. Anything that
 * seals or opens (API, intake jobs, the agentless driver) takes them from here.
 */
import type { Config } from '../config/load-config';
import type { Store } from '../store/store';
import { CredentialVault } from './credential-vault';
import { loadMasterKey } from './master-key';
import { SecretBox } from './secret-box';

type KeyConfig = Pick<Config, 'dataDir' | 'masterKey'>;

export function secretBoxFor(config: KeyConfig): SecretBox {
  return new SecretBox(loadMasterKey(config));
}

/** The vault for code outside the executor that seals credentials (API, imports). */
export function vaultFor(
  config: KeyConfig,
  store: Pick<Store, 'hostCredentials'>,
): CredentialVault {
  return new CredentialVault(store, secretBoxFor(config));
}

/** Context strings for values sealed into job params (the job opens them with the same). */
export const SEALED_IMPORT_CONTEXT = 'job:batch-import-processing:csv';
export const SEALED_DISCOVERY_CONTEXT = 'job:device-discovery:credential';
