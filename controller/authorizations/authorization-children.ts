/**
 * The host jobs that make hosts hold what an authorization says: an add-authorized-key per
 * host it reaches, a remove-authorized-key per host it no longer reaches (a host that left
 * the group) or when it ended. Each child names the authorization, so it records its
 * placement, and carries the options the records say were placed there: only a line with
 * exactly those options is Keywarden's to rewrite or remove (never a line because of its marker).
 */
import type { ChildJob } from '../engine/job-definition';
import { childFor } from '../inventory/host-target';
import { addAuthorizedKey } from '../jobs/add-authorized-key';
import { removeAuthorizedKey } from '../jobs/remove-authorized-key';
import type { AuthorizationRecord, PlacementRecord } from '../store/authorization-records';
import type { Store } from '../store/store';
import { authorizationTag, placedOptions } from './placed-options';

export const DEFAULT_SSHD_CONFIG = '/etc/ssh/sshd_config';

/**
 * The sshd config the host's last configuration scan read, when it is not the default: the
 * edit then goes to the files that sshd reads (a relocated AuthorizedKeysFile included).
 */
export async function hostSshdConfig(
  store: Pick<Store, 'inventory'>,
  hostId: string,
): Promise<{ sshdConfigPath?: string }> {
  const path = (await store.inventory.hostConfigs.get(hostId))?.sshdConfigPath;
  return path && path !== DEFAULT_SSHD_CONFIG ? { sshdConfigPath: path } : {};
}

export function addChild(
  auth: AuthorizationRecord,
  hostId: string,
  before: PlacementRecord | null,
  config: { sshdConfigPath?: string },
  extraOwned: PlacementRecord['options'][] = [],
): ChildJob {
  // Only options of a line Keywarden wrote there: not of one removed, nor one it was blocked from.
  const wrote = before && before.state !== 'removed' && before.state !== 'blocked';
  const owned = wrote ? [before.options, ...extraOwned] : extraOwned;
  return childFor(
    addAuthorizedKey.type,
    { hostId },
    {
      account: auth.account,
      publicKey: auth.publicKey,
      options: placedOptions(auth),
      tag: authorizationTag(auth.id),
      ownedOptions: owned,
      authorizationId: auth.id,
      ...config,
    },
  );
}

export function removeChild(
  auth: AuthorizationRecord,
  p: PlacementRecord,
  config: { sshdConfigPath?: string },
): ChildJob {
  return childFor(
    removeAuthorizedKey.type,
    { hostId: p.hostId },
    {
      account: p.account,
      fingerprint: p.fingerprint,
      ownedOptions: [p.options],
      authorizationId: auth.id,
      ...config,
    },
  );
}
