/**
 * After a host's authorized keys were scanned: hold the host to its authorizations.
 *
 * - Drift: a placement the records say is present whose line is gone, or no longer has the
 *   options Keywarden wrote, raises an alert and, per the authorization's `onDrift`, is
 *   restored (an add-authorized-key is queued) or dropped (the placement is marked removed
 *   and the line, if altered, is left to whoever altered it).
 * - Group membership: a host that joined a group gets the group's active grants; a host that
 *   left it loses them. So a group grant follows its group within one scan of each host.
 *
 * Lines are matched to placements by the records (account, fingerprint, options), never by
 * the marker in the file. Lines no placement covers are not looked at, let alone touched.
 */
import type { ScanAuthorizedKeysResult } from '../../shared/hostops/scan-authorized-keys';
import { sameOptions } from '../../shared/ssh/authorized-keys-edit';
import type { JobContext } from '../engine/job-definition';
import type { AuthorizationRecord, PlacementRecord } from '../store/authorization-records';
import {
  addChild,
  DEFAULT_SSHD_CONFIG,
  hostSshdConfig,
  removeChild,
} from './authorization-children';
import { placedOptions } from './placed-options';

/** What following needs of a job's context (an API route builds one: follow-context.ts). */
export type FollowContext = Pick<JobContext, 'store' | 'now' | 'enqueue' | 'log'>;
type Ctx = FollowContext;

export interface FollowResult {
  confirmed: number;
  drifted: Array<{
    authorizationId: string;
    account: string;
    change: 'gone' | 'altered';
    action: string;
  }>;
  joined: string[];
  left: string[];
}

export async function followAuthorizations(
  ctx: Ctx,
  hostId: string,
  scan: ScanAuthorizedKeysResult,
  /** When the scan read the host: a placement recorded since is newer than the scan. */
  observedAt: number,
  scope: { accounts?: string[]; sshdConfigPath?: string } = {},
): Promise<FollowResult> {
  const result: FollowResult = { confirmed: 0, drifted: [], joined: [], left: [] };
  const { accounts } = scope;
  // A scan that read another sshd config than the one edits follow (the host's last config
  // scan) looked at other files: it says nothing about the placed lines.
  const edited = (await hostSshdConfig(ctx.store, hostId)).sshdConfigPath ?? DEFAULT_SSHD_CONFIG;
  const judged = (scope.sshdConfigPath ?? DEFAULT_SSHD_CONFIG) === edited;
  const placements = await ctx.store.authorizations.listPlacements({ hostId });
  const unread = new Set((scan.findings ?? []).map((f) => f.account));
  const now = ctx.now();
  const auths = new Map<string, AuthorizationRecord | null>();
  const authOf = async (id: string) => {
    if (!auths.has(id)) auths.set(id, await ctx.store.authorizations.get(id));
    return auths.get(id) ?? null;
  };
  for (const p of placements) {
    if (!judged || p.state !== 'present' || p.updatedAt > observedAt) continue;
    if (accounts && !accounts.includes(p.account)) continue;
    // A file the scan could not read holds what it held: no verdict on it.
    if (unread.has(p.account)) continue;
    const auth = await authOf(p.authorizationId);
    if (auth?.state !== 'active') continue;
    const lines = scan.keys.filter(
      (k) => k.account === p.account && k.fingerprint === p.fingerprint,
    );
    if (lines.some((k) => sameOptions(k.options, p.options))) {
      await ctx.store.authorizations.putPlacement({ ...p, confirmedAt: now, updatedAt: now });
      result.confirmed++;
      continue;
    }
    const change = lines.length ? 'altered' : 'gone';
    result.drifted.push({
      authorizationId: auth.id,
      account: p.account,
      change,
      action: await handleDrift(
        ctx,
        auth,
        p,
        change,
        lines.map((k) => k.options),
      ),
    });
  }
  await followGroup(ctx, hostId, placements, authOf, result);
  return result;
}

async function handleDrift(
  ctx: Ctx,
  auth: AuthorizationRecord,
  p: PlacementRecord,
  change: 'gone' | 'altered',
  found: PlacementRecord['options'][],
): Promise<string> {
  const now = ctx.now();
  const action = auth.onDrift === 'restore' ? 'restored' : 'dropped';
  await ctx.store.alerts.raise(
    {
      type: 'authorization-drift',
      severity: 'warning',
      subject: p.hostId,
      message: `the line of authorization ${auth.id} (${auth.fingerprint} as ${p.account}) was ${change === 'gone' ? 'removed' : 'altered'} on host ${p.hostId} outside Keywarden; ${action === 'restored' ? 'it is written back' : 'the authorization no longer holds it there'}`,
      dedupeKey: `authorization-drift:${auth.id}:${p.hostId}`,
    },
    now,
  );
  if (auth.onDrift === 'drop') {
    await ctx.store.authorizations.putPlacement({
      ...p,
      state: 'removed',
      error: `dropped: the line was ${change === 'gone' ? 'removed' : 'altered'} outside Keywarden`,
      updatedAt: now,
    });
    return action;
  }
  // An altered line for this key in this account is the placed line changed by hand: the
  // restore may rewrite exactly the options seen now (never any other line).
  const child = addChild(auth, p.hostId, p, await hostSshdConfig(ctx.store, p.hostId), found);
  const job = await ctx.enqueue({
    ...child,
    trigger: 'event',
    dedupeKey: `authorization-restore:${auth.id}:${p.hostId}`,
  });
  await ctx.store.authorizations.putPlacement({
    ...p,
    state: 'pending',
    jobId: job.id,
    error: `restoring: the line was ${change === 'gone' ? 'removed' : 'altered'} outside Keywarden`,
    updatedAt: now,
  });
  return action;
}

/**
 * When a host changed group through Keywarden (hosts batch move-group, PUT /hosts/:id/group): it gets its new
 * group's grants and loses its old group's at once, without waiting for its next scan.
 */
export async function followHostGroup(
  ctx: Ctx,
  hostId: string,
): Promise<Pick<FollowResult, 'joined' | 'left'>> {
  const result: FollowResult = { confirmed: 0, drifted: [], joined: [], left: [] };
  const placements = await ctx.store.authorizations.listPlacements({ hostId });
  await followGroup(ctx, hostId, placements, (id) => ctx.store.authorizations.get(id), result);
  return { joined: result.joined, left: result.left };
}

/** Grants of the host's group it does not hold yet; grants of a group it has left. */
async function followGroup(
  ctx: Ctx,
  hostId: string,
  placements: PlacementRecord[],
  authOf: (id: string) => Promise<AuthorizationRecord | null>,
  result: FollowResult,
): Promise<void> {
  const host = await ctx.store.hosts.get(hostId);
  if (!host) return;
  const now = ctx.now();
  const held = new Map(placements.map((p) => [p.authorizationId, p]));
  if (host.groupId) {
    const grants = await ctx.store.authorizations.list(
      { groupId: host.groupId, state: ['active'] },
      { limit: 1000 },
    );
    for (const auth of grants.items) {
      const p = held.get(auth.id);
      if (p && p.state !== 'removed') continue;
      const job = await ctx.enqueue({
        ...addChild(auth, hostId, null, await hostSshdConfig(ctx.store, hostId)),
        trigger: 'event',
        dedupeKey: `authorization-place:${auth.id}:${hostId}`,
      });
      await ctx.store.authorizations.putPlacement({
        authorizationId: auth.id,
        hostId,
        account: auth.account,
        fingerprint: auth.fingerprint,
        options: placedOptions(auth),
        state: 'pending',
        jobId: job.id,
        confirmedAt: null,
        error: null,
        updatedAt: now,
      });
      result.joined.push(auth.id);
    }
  }
  for (const p of placements) {
    if (['removed', 'removing', 'blocked'].includes(p.state)) continue;
    const auth = await authOf(p.authorizationId);
    if (!auth || !('groupId' in auth.target) || auth.target.groupId === host.groupId) continue;
    const job = await ctx.enqueue({
      ...removeChild(auth, p, await hostSshdConfig(ctx.store, hostId)),
      trigger: 'event',
      dedupeKey: `authorization-leave:${auth.id}:${hostId}`,
    });
    await ctx.store.authorizations.putPlacement({
      ...p,
      state: 'removing',
      jobId: job.id,
      updatedAt: now,
    });
    result.left.push(auth.id);
  }
}
