/**
 * What a connection outcome does to a host, in one place for the executor and the
 * connectivity test:
 * - unreachable: state `unreachable` (the state it left is recorded in the audit entry and
 *   restored when the host answers again); jobs retry.
 * - credential refused: the host stays in its state, a warning alert opens; jobs fail at once.
 * - host-key mismatch: state `host-key-mismatch`, a critical alert, and all work on the host
 *   stops until an admin accepts the new key.
 */
import { notFound, invalidInput, conflict } from '../../shared/errors';
import type { HostRecord, HostState } from '../store/host-records';
import type { Store } from '../store/store';

type EffectStore = Pick<Store, 'hosts' | 'audit' | 'alerts'>;

export const ACTOR = 'agentless-executor';
const SEEN_WRITE_EVERY_MS = 60_000;

export const mismatchAlertKey = (hostId: string) => `host-key-mismatch:${hostId}`;
export const refusedAlertKey = (hostId: string) => `credential-refused:${hostId}`;

/** The state a host returns to after being unreachable or having its key accepted. */
export async function stateBefore(
  store: EffectStore,
  host: HostRecord,
  action: string,
): Promise<HostState> {
  const page = await store.audit.list({ action, subject: host.id }, { limit: 1 });
  const prev = page.items[0]?.details.previousState;
  return prev === 'discovered' || prev === 'monitored' || prev === 'managed' ? prev : 'monitored';
}

export async function markUnreachable(
  store: EffectStore,
  host: HostRecord,
  reason: string,
  now: number,
): Promise<void> {
  if (host.state === 'unreachable' || host.state === 'host-key-mismatch') return;
  await store.hosts.update(host.id, { state: 'unreachable' }, now);
  await store.audit.append({
    at: now,
    actor: ACTOR,
    action: 'host.unreachable',
    subject: host.id,
    details: { previousState: host.state, reason, address: `${host.address}:${host.port}` },
  });
}

/** A successful contact: back from unreachable, and lastSeenAt (written at most once a minute). */
export async function markReachable(
  store: EffectStore,
  host: HostRecord,
  now: number,
): Promise<void> {
  if (host.state === 'unreachable') {
    const state = await stateBefore(store, host, 'host.unreachable');
    await store.hosts.update(host.id, { state, lastSeenAt: now }, now);
    await store.audit.append({
      at: now,
      actor: ACTOR,
      action: 'host.reachable',
      subject: host.id,
      details: { state },
    });
    return;
  }
  if (host.lastSeenAt === null || now - host.lastSeenAt >= SEEN_WRITE_EVERY_MS)
    await store.hosts.update(host.id, { lastSeenAt: now }, now);
}

export async function markHostKeyMismatch(
  store: EffectStore,
  host: HostRecord,
  presented: string | undefined,
  now: number,
): Promise<void> {
  if (host.state !== 'host-key-mismatch') {
    await store.hosts.update(host.id, { state: 'host-key-mismatch' }, now);
    await store.audit.append({
      at: now,
      actor: ACTOR,
      action: 'host.key.mismatch',
      subject: host.id,
      details: {
        previousState:
          host.state === 'unreachable'
            ? await stateBefore(store, host, 'host.unreachable')
            : host.state,
        pinned: host.hostKeyFingerprint,
        presented: presented ?? null,
      },
    });
  }
  await store.alerts.raise(
    {
      type: 'host-key-mismatch',
      severity: 'critical',
      subject: host.id,
      message:
        `host ${host.name} (${host.address}:${host.port}) presented host key ${presented ?? '(unknown)'} ` +
        `instead of the pinned ${host.hostKeyFingerprint ?? '(none)'}; all work on it is stopped until an admin accepts the new key`,
      dedupeKey: mismatchAlertKey(host.id),
    },
    now,
  );
}

export async function markCredentialRefused(
  store: EffectStore,
  host: HostRecord,
  which: string,
  now: number,
): Promise<void> {
  await store.alerts.raise(
    {
      type: 'credential-refused',
      severity: 'warning',
      subject: host.id,
      message: `host ${host.name} (${host.address}:${host.port}) refused Keywarden's ${which} for ${host.managementAccount ?? '(no account)'}`,
      dedupeKey: refusedAlertKey(host.id),
    },
    now,
  );
}

/** Resolves the open alert with this dedupe key, if any. */
export async function resolveAlert(
  store: EffectStore,
  type: string,
  hostId: string,
  now: number,
): Promise<void> {
  for (;;) {
    const page = await store.alerts.list({ state: ['open'], type }, { limit: 200 });
    const mine = page.items.filter((a) => a.subject === hostId);
    for (const a of mine) await store.alerts.setState(a.id, 'resolved', now);
    if (mine.length === 0 || !page.nextCursor) return;
  }
}

/**
 * An admin trusts the key the host presents now. `fingerprint` must be the presented key
 * (as the alert and audit name it) so that an admin accepts what they checked, not whatever
 * the network offers at that moment.
 */
export async function acceptHostKey(
  store: EffectStore,
  hostId: string,
  fingerprint: string,
  actor: string,
  now: number,
): Promise<HostRecord> {
  const host = await store.hosts.get(hostId);
  if (!host)
    throw notFound(`host ${hostId} does not exist`, { details: { field: 'id', value: hostId } });
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint))
    throw invalidInput(
      `fingerprint must look like SHA256:<43 base64 characters>, got ${JSON.stringify(fingerprint)}`,
      {
        details: {
          field: 'fingerprint',
          value: fingerprint,
          expected: 'SHA256:<43 base64 characters>',
        },
      },
    );
  if (host.state !== 'host-key-mismatch')
    throw conflict(`host ${host.name} has no host-key mismatch to accept (state ${host.state})`, {
      details: { field: 'state', value: host.state, expected: 'host-key-mismatch' },
    });
  const state = await stateBefore(store, host, 'host.key.mismatch');
  const updated = await store.hosts.update(
    host.id,
    { state, hostKeyFingerprint: fingerprint },
    now,
  );
  await store.audit.append({
    at: now,
    actor,
    action: 'host.key.accepted',
    subject: host.id,
    details: { previous: host.hostKeyFingerprint, accepted: fingerprint, state },
  });
  await resolveAlert(store, 'host-key-mismatch', host.id, now);
  return updated ?? host;
}
