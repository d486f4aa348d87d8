/**
 * Revoking agents: an admin revokes one, deleting a host revokes the agents bound to it.
 * The record keeps the revocation for good (a revoked agent is never trusted again; the
 * host enrolls anew with a new ICB), and gateways close its streams at their next sweep.
 */
import type { Store } from '../store/store';

type RevocationStore = Pick<Store, 'agentFleet' | 'audit'>;

export async function revokeAgent(
  store: RevocationStore,
  agentId: string,
  revocation: { by: string; reason: string },
  now = Date.now(),
): Promise<boolean> {
  const revoked = await store.agentFleet.agents.revoke(agentId, revocation, now);
  if (revoked) {
    await store.audit.append({
      at: now,
      actor: revocation.by,
      action: 'agent.revoked',
      subject: agentId,
      details: { reason: revocation.reason },
    });
  }
  return revoked;
}

/** Revokes every agent bound to the host; returns the ids it revoked now. */
export async function revokeAgentsOfHost(
  store: RevocationStore,
  hostId: string,
  revocation: { by: string; reason: string },
  now = Date.now(),
): Promise<string[]> {
  const out: string[] = [];
  for (const a of await store.agentFleet.agents.listByHost(hostId)) {
    if (await revokeAgent(store, a.id, revocation, now)) out.push(a.id);
  }
  return out;
}
