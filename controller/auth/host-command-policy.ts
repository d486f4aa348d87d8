/**
 * What a job may make a host run or touch as root, whoever asked for it. An operator
 * chooses among what an admin configured (controller settings), nothing else: the sshd
 * program scans and deploys run, the reload command, the sshd config files read or
 * replaced; a private key is removed only where the inventory found one. Checked when a job
 * is created through the API (a clear 403 naming the setting) and again when the job runs
 * (a job queued by a robot, or stored before a setting was narrowed).
 */
import path from 'node:path';
import { forbidden } from '../../shared/errors';
import type { Config } from '../config/load-config';
import { settings } from '../config/config-schema';
import type { JobDefinition } from '../engine/job-definition';
import type { Store } from '../store/store';
import { targetHostId, type Target } from '../inventory/host-target';

export type HostCommandSettings = Pick<
  Config,
  | 'allowedSshdBinaries'
  | 'allowedReloadCommands'
  | 'allowedSshdConfigPaths'
  | 'allowedRelocationTargets'
>;

/** What the policy needs to know of a job type: which of its fields name root files. */
export type PolicyOf = Pick<JobDefinition, 'rootFields'>;

function refuse(field: string, value: unknown, setting: keyof typeof settings): never {
  throw forbidden(
    `${field} ${JSON.stringify(value)} is not in settings.${setting} (${settings[setting].env}); an admin can allow it there`,
    { details: { field, value, setting } },
  );
}

export function isAllowedConfigPath(allowed: readonly string[], p: string): boolean {
  if (!p.startsWith('/') || path.posix.normalize(p) !== p || p.endsWith('/')) return false;
  return allowed.some((a) => (a.endsWith('/') ? path.posix.dirname(p) + '/' === a : a === p));
}

/**
 * Checks the fields of job params that name something run or touched as root. The common
 * names are the same in every job type that has them (the scans, the deploys, the
 * relocations, the authorized-key jobs); the others the type declares (`rootFields`).
 */
export function checkHostCommands(s: HostCommandSettings, def: PolicyOf, params: unknown): void {
  if (!params || typeof params !== 'object') return;
  const p = params as Record<string, unknown>;
  if (typeof p.sshdBinary === 'string' && !s.allowedSshdBinaries.includes(p.sshdBinary))
    refuse('sshdBinary', p.sshdBinary, 'allowedSshdBinaries');
  if (Array.isArray(p.reloadCommand)) {
    const cmd = p.reloadCommand as unknown[];
    const ok = s.allowedReloadCommands.some(
      (a) => a.length === cmd.length && a.every((arg, i) => arg === cmd[i]),
    );
    if (!ok) refuse('reloadCommand', cmd, 'allowedReloadCommands');
  }
  // A user writes their own authorized_keys: copied as root to a path of the operator's
  // choosing, that would be any content anywhere (a cron file, say). Only admin-set targets.
  const { relocationTarget, configFile } = def.rootFields ?? {};
  const target = relocationTarget === undefined ? undefined : p[relocationTarget];
  if (
    relocationTarget !== undefined &&
    typeof target === 'string' &&
    !s.allowedRelocationTargets.includes(target)
  )
    refuse(relocationTarget, target, 'allowedRelocationTargets');
  const paths: Array<[string, unknown]> = [
    ['sshdConfigPath', p.sshdConfigPath],
    ['mainConfigPath', p.mainConfigPath],
    ...(configFile === undefined ? [] : [[configFile, p[configFile]] as [string, unknown]]),
  ];
  for (const [field, value] of paths)
    if (typeof value === 'string' && !isAllowedConfigPath(s.allowedSshdConfigPaths, value))
      refuse(field, value, 'allowedSshdConfigPaths');
}

/** remove-private-key deletes as root: only a file the inventory recorded as a private key there. */
export async function checkPrivateKeyRemoval(
  store: Pick<Store, 'inventory'>,
  hostId: string | undefined,
  keyPath: string,
): Promise<void> {
  const known = hostId ? await store.inventory.items.list('private-key', { hostId }) : [];
  if (known.some((k) => k.key === keyPath)) return;
  throw forbidden(
    `path ${JSON.stringify(keyPath)} is not a private key the inventory recorded on host ${hostId ?? '(none)'}: only those can be removed (scan the host first)`,
    {
      details: {
        field: 'path',
        value: keyPath,
        hostId: hostId ?? null,
        rule: 'inventory private keys',
      },
    },
  );
}

/** Everything the API checks before it queues a job of type `def` with validated `params`. */
export async function checkJobRequest(
  deps: { config: HostCommandSettings; store: Pick<Store, 'inventory'> },
  def: PolicyOf,
  params: unknown,
  hostId: string | undefined,
): Promise<void> {
  checkHostCommands(deps.config, def, params);
  const keyField = def.rootFields?.privateKey;
  if (keyField !== undefined) {
    const p = params as Target & Record<string, unknown>;
    await checkPrivateKeyRemoval(deps.store, hostId ?? targetHostId(p), String(p[keyField]));
  }
}
