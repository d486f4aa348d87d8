/**
 * The management-key lifecycle of an agentless host: the driver operations
 * (hosts/driver-operations.ts) the agentless driver implements for discover-host,
 * renew-mgmt-key and to-managed-state-host. Ordering rule everywhere: the store's
 * `management` slot only ever names a key proven to log in, and a key is removed from the
 * host only after its successor is that key. So a failure at any step leaves a key that works.
 */
import { errorCode, noCredential } from '../../shared/errors';
import { probeHostKeyFingerprint } from '../../shared/session/ssh-connect';
import type { HostSession } from '../../shared/session/host-session';
import { addAuthorizedKey } from '../../shared/hostops/add-authorized-key';
import { removeAuthorizedKey } from '../../shared/hostops/remove-authorized-key';
import type { DriverOperationTable } from '../hosts/driver-operations';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';
import { accountOf, proveLogin, type ConnectTimeouts } from './connect-host';
import type { CredentialVault, OpenedCredential } from '../secrets/credential-vault';
import { detectOs } from './detect-host';
import { ACTOR, resolveAlert } from '../host-states/host-state-effects';
import { generateManagementKey } from './management-key';
import type { SessionPool } from './session-pool';
import { describeSshProduct, readSshBanner } from '../intake/ssh-banner';

export const RENEW_STEPS = ['add-new-key', 'verify-new-key', 'promote', 'remove-old-key'] as const;
export type RenewStep = (typeof RENEW_STEPS)[number];
export interface RenewFaults {
  /** Called before each renewal step; throwing fails the renewal there. */
  beforeRenewStep?: (step: RenewStep, hostId: string) => void | Promise<void>;
}

export const MANAGEMENT_TAG = 'keywarden-management';

export interface ManagementOpContext {
  host: HostRecord;
  signal: AbortSignal;
  store: Pick<Store, 'hosts' | 'audit' | 'alerts' | 'hostCredentials'>;
  vault: CredentialVault;
  pool: SessionPool;
  timeouts: ConnectTimeouts;
  faults: RenewFaults;
  now: () => number;
  withSession<T>(
    host: HostRecord,
    fn: (s: HostSession) => Promise<T>,
    cred?: OpenedCredential,
  ): Promise<T>;
  onConnectError(host: HostRecord, err: unknown, which: string): Promise<void>;
}

/** Pins the host key (the expected one, else the first seen), detects OS and SSH product. */
async function identify(ctx: ManagementOpContext) {
  let host = ctx.host;
  const banner = await readSshBanner(
    host.address,
    host.port,
    ctx.timeouts.connectTimeoutMs,
    ctx.signal,
  ).catch(() => null);
  let pinnedBy: 'expected' | 'first-seen' | 'already-pinned' = 'already-pinned';
  if (!host.hostKeyFingerprint) {
    let fingerprint: string;
    try {
      fingerprint = await probeHostKeyFingerprint({
        host: host.address,
        port: host.port,
        readyTimeoutMs: ctx.timeouts.connectTimeoutMs,
      });
    } catch (err) {
      await ctx.onConnectError(host, err, 'host key probe');
      throw err;
    }
    host =
      (await ctx.store.hosts.update(host.id, { hostKeyFingerprint: fingerprint }, ctx.now())) ??
      host;
    pinnedBy = 'first-seen';
    await ctx.store.audit.append({
      at: ctx.now(),
      actor: ACTOR,
      action: 'host.key.pinned',
      subject: host.id,
      details: { fingerprint, how: 'first-seen', address: `${host.address}:${host.port}` },
    });
  } else if (host.state === 'discovered') {
    pinnedBy = 'expected';
  }
  // Logging in checks the pinned key: an expected fingerprint that does not match stops here.
  const os = await ctx.withSession(host, (s) => detectOs(s));
  if (pinnedBy === 'expected')
    await ctx.store.audit.append({
      at: ctx.now(),
      actor: ACTOR,
      action: 'host.key.pinned',
      subject: host.id,
      details: { fingerprint: host.hostKeyFingerprint, how: 'expected' },
    });
  const sshProduct = banner ? describeSshProduct(banner) : host.sshProduct;
  await ctx.store.hosts.update(host.id, { os, sshProduct, lastSeenAt: ctx.now() }, ctx.now());
  return {
    hostKeyFingerprint: host.hostKeyFingerprint,
    pinnedBy,
    os,
    sshProduct,
    banner: banner?.line ?? null,
  };
}

async function addKey(s: HostSession, host: HostRecord, publicKey: string): Promise<void> {
  await addAuthorizedKey(s, {
    account: accountOf(host),
    publicKey,
    tag: MANAGEMENT_TAG,
    comment: `keywarden management key of ${host.id}`,
  });
}

async function removeKey(s: HostSession, host: HostRecord, fingerprint: string): Promise<number> {
  const r = await removeAuthorizedKey(s, { account: accountOf(host), fingerprint });
  return r.removed;
}

/**
 * Creates the host's management key, installs it for the management account with the
 * initial credential, proves a login with it, and then forgets the initial credential.
 * Safe to run again: a working management key is kept.
 */
async function installManagementKey(ctx: ManagementOpContext) {
  const { host } = ctx;
  const existing = await ctx.vault.open(host.id, 'management');
  if (existing) {
    await verifyLogin(ctx, existing);
    await forgetInitial(ctx);
    return { installed: false, fingerprint: existing.fingerprint };
  }
  const initial = await ctx.vault.open(host.id, 'initial');
  if (!initial)
    throw noCredential(`host ${host.name} has neither a management key nor an initial credential`, {
      details: { hostId: host.id },
    });
  let pending = await ctx.vault.open(host.id, 'pending');
  if (!pending) {
    await ctx.vault.putKey(
      host.id,
      'pending',
      generateManagementKey(host.id, ctx.now()),
      ctx.now(),
    );
    pending = (await ctx.vault.open(host.id, 'pending')) as OpenedCredential;
  }
  await ctx.withSession(host, (s) => addKey(s, host, pending.publicKey as string), initial);
  await verifyLogin(ctx, pending);
  await ctx.vault.move(host.id, 'pending', 'management');
  await ctx.store.audit.append({
    at: ctx.now(),
    actor: ACTOR,
    action: 'host.management-key.installed',
    subject: host.id,
    details: { fingerprint: pending.fingerprint, account: host.managementAccount },
  });
  await forgetInitial(ctx);
  ctx.pool.invalidateHost(host.id);
  await resolveAlert(ctx.store, 'credential-refused', host.id, ctx.now());
  return { installed: true, fingerprint: pending.fingerprint };
}

async function forgetInitial(ctx: ManagementOpContext): Promise<void> {
  const rec = await ctx.vault.record(ctx.host.id, 'initial');
  if (!rec) return;
  await ctx.vault.forget(ctx.host.id, 'initial');
  await ctx.store.audit.append({
    at: ctx.now(),
    actor: ACTOR,
    action: 'host.initial-credential.forgotten',
    subject: ctx.host.id,
    details: { kind: rec.kind },
  });
}

async function verifyLogin(ctx: ManagementOpContext, cred: OpenedCredential): Promise<void> {
  try {
    await proveLogin(ctx.host, cred, ctx.timeouts);
  } catch (err) {
    if (errorCode(err) !== 'CREDENTIAL_REFUSED')
      await ctx.onConnectError(ctx.host, err, 'new management key');
    throw err;
  }
}

/**
 * Rotates the management key: add the new key, log in with it, make it the management key,
 * then remove the old one. A run that finds a `retired` key finishes the earlier rotation
 * (removes the old key) instead of starting another.
 */
async function renewManagementKey(ctx: ManagementOpContext) {
  const { host } = ctx;
  const fault = async (step: RenewStep) => ctx.faults.beforeRenewStep?.(step, host.id);
  const retired = await ctx.vault.record(host.id, 'retired');
  const current = await ctx.vault.open(host.id, 'management');
  // Retrying cannot help until discovery ran: NO_CREDENTIAL is not retryable.
  if (!current)
    throw noCredential(`host ${host.name} has no management key yet: discover it first`, {
      details: { hostId: host.id },
    });
  if (retired) {
    const removed = await finishRemoval(ctx, fault, retired.fingerprint as string);
    return {
      resumed: true,
      fingerprint: current.fingerprint,
      previous: retired.fingerprint,
      removed,
    };
  }
  await ctx.vault.putKey(host.id, 'pending', generateManagementKey(host.id, ctx.now()), ctx.now());
  const pending = (await ctx.vault.open(host.id, 'pending')) as OpenedCredential;
  try {
    await fault('add-new-key');
    await ctx.withSession(host, (s) => addKey(s, host, pending.publicKey as string), current);
    await fault('verify-new-key');
    await verifyLogin(ctx, pending);
    await fault('promote');
  } catch (err) {
    // The old key is still the management key; take the unproven one back off the host.
    await ctx
      .withSession(host, (s) => removeKey(s, host, pending.fingerprint as string), current)
      .catch(() => undefined);
    await ctx.vault.forget(host.id, 'pending');
    throw err;
  }
  await ctx.vault.promotePending(host.id);
  ctx.pool.invalidateHost(host.id);
  await ctx.store.audit.append({
    at: ctx.now(),
    actor: ACTOR,
    action: 'host.management-key.renewed',
    subject: host.id,
    details: { previous: current.fingerprint, fingerprint: pending.fingerprint },
  });
  const removed = await finishRemoval(ctx, fault, current.fingerprint as string);
  return {
    resumed: false,
    fingerprint: pending.fingerprint,
    previous: current.fingerprint,
    removed,
  };
}

async function finishRemoval(
  ctx: ManagementOpContext,
  fault: (step: RenewStep) => Promise<void>,
  oldFingerprint: string,
): Promise<number> {
  await fault('remove-old-key');
  const removed = await ctx.withSession(ctx.host, (s) => removeKey(s, ctx.host, oldFingerprint));
  await ctx.vault.forget(ctx.host.id, 'retired');
  return removed;
}

/** Proves the management key logs in (to-managed-state-host, admins). */
async function verifyManagementKey(ctx: ManagementOpContext) {
  const cred = await ctx.vault.open(ctx.host.id, 'management');
  if (!cred)
    throw noCredential(`host ${ctx.host.name} has no management key yet: discover it first`, {
      details: { hostId: ctx.host.id },
    });
  await ctx.withSession(ctx.host, (s) => s.exec('true', []), cred);
  return { fingerprint: cred.fingerprint };
}

export const managementOperations = {
  'identify-host': (ctx) => identify(ctx),
  'install-management-key': (ctx) => installManagementKey(ctx),
  'renew-management-key': (ctx) => renewManagementKey(ctx),
  'verify-management-key': (ctx) => verifyManagementKey(ctx),
} satisfies DriverOperationTable<ManagementOpContext>;
