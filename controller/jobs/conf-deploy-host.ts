import { Type } from '@sinclair/typebox';
import { sha256Hex, type DeploySshdConfigResult } from '../../shared/hostops/deploy-sshd-config';
import type { JobContext } from '../engine/job-definition';
import { configDeployFailure } from '../host-states/config-deploy-failure';
import { latestConfigEvent, recordConfigEvent } from '../host-states/sshd-config-confirmations';
import { ingestConfigs } from '../inventory/ingest-scans';
import { defineHostJob } from './define-host-job';

export const DeployFields = {
  content: Type.String({ minLength: 1 }),
  /** The file to replace (default /etc/ssh/sshd_config); may be an Included file. */
  path: Type.Optional(Type.String({ pattern: '^/' })),
  /** The main config sshd -t checks, when `path` is an Included file. */
  mainConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  /** Refuse (FILE_CHANGED) unless the file is still what the change was prepared against. */
  expectedSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  reloadCommand: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
};

/**
 * Deploys an sshd configuration on one host so that it cannot strand the host: sshd -t
 * judges the candidate before it goes live and again in place, then the reload, then (over
 * SSH) a fresh login with the management credentials; when any of these fails the previous
 * file is back in place and the job fails saying why. Every attempt runs them all unless
 * the host confirmed this exact content earlier (sshd-config-confirmations.ts), so a retry
 * after an attempt that wrote the file and was interrupted still checks and reloads.
 * The host's config inventory is refreshed from what is on disk afterwards, read over the
 * same connection (a reload can briefly refuse new ones).
 */
export const confDeployHost = defineHostJob({
  type: 'conf-deploy-host',
  describe:
    'Deploy an sshd configuration to one host, rolled back if sshd or the login check after the reload rejects it',
  fields: DeployFields,
  rootFields: { configFile: 'path' },
  timeoutMs: 3 * 60_000,
  retry: { maxAttempts: 2, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ hostId, args }, ctx) {
    const path = args.path ?? '/etc/ssh/sshd_config';
    const sha256 = sha256Hex(args.content);
    const event = { hostId, path, sha256, actor: `job:${ctx.job.id}` };
    const last = await latestConfigEvent(ctx.store, hostId, path);
    const confirmed = last?.event === 'confirmed' && last.sha256 === sha256;
    // From here until it is confirmed, the file may hold content nobody confirmed.
    if (!confirmed)
      await recordConfigEvent(ctx.store, { ...event, event: 'deploying', at: ctx.now() });
    // Before the host is read: the inventory keeps what edits record after this.
    const observedAt = ctx.now();
    const { deploy: r, configs } = await ctx.runOnHost('deploy-sshd-config-then-scan', {
      ...args,
      ...(confirmed ? { confirmedSha256: sha256 } : {}),
    });
    // What is on disk now (the old file again after a rollback) is what the inventory keeps.
    await ingestConfigs(ctx.store, hostId, configs, observedAt);
    if (r.status === 'unchanged' || r.status === 'applied') {
      const nowConfirmed = r.status === 'unchanged' || (await confirms(ctx, hostId, r));
      if (r.status === 'applied' && nowConfirmed)
        await recordConfigEvent(ctx.store, { ...event, event: 'confirmed', at: ctx.now() });
      return { hostId, ...r, confirmed: nowConfirmed };
    }
    throw configDeployFailure(hostId, r, 'the new configuration');
  },
});

/**
 * Whether an applied deploy proved all it can: checked and reloaded, and logged in with
 * afterwards. An agent host has no login to check (its agent does not depend on sshd).
 */
async function confirms(
  ctx: Pick<JobContext, 'store'>,
  hostId: string,
  r: Extract<DeploySshdConfigResult, { status: 'applied' }>,
): Promise<boolean> {
  if (!r.reloaded) return false;
  if (r.loginChecked) return true;
  return (await ctx.store.hosts.get(hostId))?.kind === 'agent';
}
