/**
 * The just-in-time key of one session: a fresh ed25519 pair whose public half is authorized
 * on the target as the account, through the same authorization record and jobs as every
 * other grant (add-authorizations → add-authorized-key, agent or agentless: the gateway
 * never knows the transport), with `from=<the gateway's address>` and an `expiry-time=` a
 * few minutes ahead, so that sshd itself refuses the key after that even if the controller
 * is down or its removal never reaches the host. Forwarding is refused on the line too.
 */
import { conflict, hostUnreachable } from '../../shared/errors';
import { oneAtATime } from '../../shared/one-at-a-time';
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import { generateEd25519Key } from '../agentless/management-key';
import { createAuthorization } from '../authorizations/create-authorization';
import type { JobQueue } from '../engine/job-queue';
import type { GeneratedKey } from '../secrets/credential-vault';
import type { Store } from '../store/store';
import { removeAuthorization } from '../jobs/remove-authorization';

export interface EphemeralGrant {
  key: GeneratedKey;
  authorizationId: string;
  expiresAt: number;
}

export interface GrantDeps {
  store: Store;
  queue: Pick<JobQueue, 'enqueueByName' | 'enqueue'>;
}

/** Options on the ephemeral line besides the expiry. */
export function ephemeralOptions(fromAddress: string): AuthorizedKeyOption[] {
  return [
    { name: 'from', value: fromAddress },
    { name: 'no-port-forwarding' },
    { name: 'no-agent-forwarding' },
    { name: 'no-x11-forwarding' },
  ];
}

export async function grantEphemeralKey(
  deps: GrantDeps,
  req: {
    sessionId: string;
    hostId: string;
    account: string;
    fromAddress: string;
    ttlMs: number;
    actor: string;
  },
  now: number,
): Promise<EphemeralGrant> {
  const key = generateEd25519Key(`keywarden-gateway-session-${req.sessionId}`);
  const expiresAt = now + req.ttlMs;
  const { authorization } = await createAuthorization(
    deps,
    {
      publicKey: key.publicKey,
      account: req.account,
      hostId: req.hostId,
      options: ephemeralOptions(req.fromAddress),
      expiresAt,
      // A hand edit of the line is not restored: the line lives minutes.
      onDrift: 'drop',
    },
    req.actor,
    now,
    'event',
  );
  return { key, authorizationId: authorization.id, expiresAt };
}

/** Resolves when the key is on the host; throws with the reason when it cannot be placed. */
export async function waitUntilPlaced(
  store: Pick<Store, 'authorizations' | 'jobs'>,
  authorizationId: string,
  hostId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const p = await store.authorizations.getPlacement(authorizationId, hostId);
    if (p?.state === 'present') return;
    // A failed attempt the job will retry (a file changed under a concurrent edit) is
    // not the end: only a job that has given up is.
    const retrying =
      p?.state === 'failed' && p.jobId !== null && (await jobStillActive(store, p.jobId));
    if ((p?.state === 'failed' && !retrying) || p?.state === 'blocked')
      throw conflict(`the session key could not be placed on the host: ${p.error ?? p.state}`, {
        details: { authorizationId, hostId, placement: p.state },
      });
    if (signal?.aborted) throw conflict('the session was ended before its key was placed');
    if (Date.now() > until)
      throw hostUnreachable(`the session key was not placed on the host within ${timeoutMs} ms`, {
        details: { authorizationId, hostId },
      });
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Resolves when the job (and, for a parent, its children) has ended, or after `timeoutMs`. */
export async function waitUntilJobEnded(
  store: Pick<Store, 'jobs'>,
  jobId: string,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && (await jobStillActive(store, jobId)))
    await new Promise((r) => setTimeout(r, 100));
}

async function jobStillActive(store: Pick<Store, 'jobs'>, jobId: string): Promise<boolean> {
  const job = await store.jobs.get(jobId);
  return job?.state === 'queued' || job?.state === 'running';
}

/**
 * The sessions of this gateway to one account of one host place their keys one after the
 * other, instead of racing edits of the same authorized_keys file (each edit would be
 * refused on the other's change and retried).
 */
export const oneKeyPlacementAtATime = oneAtATime();

/** Queues the removal of the key's line from the host (the grant ends as `removed`). */
export async function revokeEphemeralKey(
  deps: GrantDeps,
  authorizationId: string,
  actor: string,
): Promise<string> {
  const { job } = await deps.queue.enqueue(
    removeAuthorization.type,
    { authorizationId },
    { createdBy: actor, trigger: 'event', dedupeKey: `gateway-revoke:${authorizationId}` },
  );
  return job.id;
}
