import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { childFor, TargetSchema, targetHostId, type Target } from '../inventory/host-target';
import { managedHostIds } from '../revocation/revocation-hosts';
import { refuseManagementKey } from '../revocation/management-key-guard';
import { deployRevokedKeys } from './deploy-revoked-keys';

/**
 * Blacklists a key: the fingerprint is recorded (later add-authorized-key jobs refuse it
 * with KEY_BLACKLISTED), and the key is revoked from every account of every host that has
 * it, hand-written lines included: a remove-authorized-key child per host. Hosts come from
 * the inventory, plus any `targets` named (hosts not scanned yet); an inventory host that is
 * neither registered nor named cannot be reached and is raised as an alert. Every managed host
 * also gets a deploy-revoked-keys child: the OpenSSH revocation list of the whole blacklist,
 * so sshd refuses the key even where no scan found it.
 */
export const blacklistKeys = defineJob({
  type: 'blacklist-keys',
  describe: 'Blacklist a key fingerprint and remove the key wherever it is found',
  params: Type.Object(
    {
      fingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' }),
      reason: Type.String({ minLength: 1 }),
      targets: Type.Optional(Type.Array(TargetSchema)),
      sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
      // For the revocation list (deploy-revoked-keys): see that job.
      revokedKeysPath: deployRevokedKeys.params.properties.revokedKeysPath,
      reloadCommand: deployRevokedKeys.params.properties.reloadCommand,
      sshdBinary: deployRevokedKeys.params.properties.sshdBinary,
    },
    { additionalProperties: false },
  ),
  rootFields: { configFile: 'revokedKeysPath' },
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const now = ctx.now();
    const { fingerprint } = params;
    // Before anything is recorded: never the key Keywarden logs in to a host with.
    await refuseManagementKey(ctx.store, fingerprint);
    const { created } = await ctx.store.inventory.blacklist.add(
      { fingerprint, reason: params.reason, createdBy: ctx.job.createdBy },
      now,
    );
    if (created) {
      await ctx.store.audit.append({
        at: now,
        actor: ctx.job.createdBy,
        action: 'key.blacklisted',
        subject: fingerprint,
        details: { reason: params.reason, jobId: ctx.job.id },
      });
    }
    const targets = new Map<string, Target>();
    for (const t of params.targets ?? []) targets.set(targetHostId(t) ?? '', t);
    targets.delete(''); // a target naming no host cannot be reached
    const found = await ctx.store.inventory.items.list('authorized-key', { fingerprint });
    for (const hostId of new Set(found.map((i) => i.hostId))) {
      if (targets.has(hostId)) continue;
      if (await ctx.store.hosts.get(hostId)) targets.set(hostId, { hostId });
      else {
        await ctx.store.alerts.raise(
          {
            type: 'blacklisted-key-unreachable',
            severity: 'critical',
            subject: hostId,
            message: `blacklisted key ${fingerprint} is on ${hostId}, which is not a registered host: remove it there by hand or name the host in targets`,
            dedupeKey: `blacklisted-key-unreachable:${fingerprint}:${hostId}`,
          },
          now,
        );
      }
    }
    const remove = {
      fingerprint,
      includeUnmanaged: true,
      ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
    };
    // The revocation list goes to the managed hosts (a host reached by a bare connection
    // is no managed host: nothing would keep its list up to date or count it pending).
    const { fingerprint: _f, reason: _r, targets: _t, ...krl } = params;
    return ctx.spawnChildren([
      ...[...targets.values()].map((t) => childFor('remove-authorized-key', t, remove)),
      ...(await managedHostIds(ctx.store)).map((hostId) =>
        childFor('deploy-revoked-keys', { hostId }, krl),
      ),
    ]);
  },
});
