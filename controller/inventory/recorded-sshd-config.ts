import { DEFAULT_SSHD_CONFIG } from '../../shared/hostops/host-sshd-config';
import type { Store } from '../store/store';

/**
 * A host's sshd may read another config than /etc/ssh/sshd_config (`sshd -f`). The path a
 * scan was given is recorded with the host's config, and a host job that takes an
 * `sshdConfigPath` but was queued without one (a scheduled scan, a robot's child) uses the
 * recorded one. Before, such a scan read the default file and turned the host's record back
 * to it, and the key edits that followed went to the files the default config names.
 * The path is then checked like one an admin gave (allowedSshdConfigPaths).
 */
export async function withRecordedSshdConfig(
  store: Pick<Store, 'inventory'>,
  fields: object,
  params: Record<string, unknown>,
  hostId: string,
): Promise<Record<string, unknown>> {
  if (!('sshdConfigPath' in fields) || params.sshdConfigPath !== undefined) return params;
  const recorded = (await store.inventory.hostConfigs.get(hostId))?.sshdConfigPath;
  if (!recorded || recorded === DEFAULT_SSHD_CONFIG) return params;
  return { ...params, sshdConfigPath: recorded };
}
