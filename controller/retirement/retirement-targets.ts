import { Type } from '@sinclair/typebox';
import { conflict } from '../../shared/errors';
import { targetHostId, TargetSchema, type Target } from '../inventory/host-target';
import type { Store } from '../store/store';

/** The fields every retirement parent takes to say which lines of a key it acts on. */
export const ScopeFields = {
  fingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' }),
  /** Only this host's lines (default: every host the key is authorized on). */
  hostId: Type.Optional(Type.String({ minLength: 1 })),
  /** Only this account's lines. */
  account: Type.Optional(Type.String({ minLength: 1 })),
  /** How to reach hosts that are not registered (SSH connections), by their inventory id. */
  targets: Type.Optional(Type.Array(TargetSchema)),
  sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
};

/**
 * How each host is reached: a registered host, or a target the request named. A host that
 * is neither is refused before anything is recorded, so no stage is half applied.
 */
export async function targetsFor(
  store: Pick<Store, 'hosts'>,
  hostIds: Iterable<string>,
  named: Target[] | undefined,
): Promise<Map<string, Target>> {
  const byId = new Map<string, Target>();
  for (const t of named ?? []) {
    const id = targetHostId(t);
    if (id) byId.set(id, t);
  }
  const out = new Map<string, Target>();
  const unreachable: string[] = [];
  for (const hostId of new Set(hostIds)) {
    const t = byId.get(hostId) ?? ((await store.hosts.get(hostId)) ? { hostId } : undefined);
    if (t) out.set(hostId, t);
    else unreachable.push(hostId);
  }
  if (unreachable.length)
    throw conflict(
      `host ${unreachable.join(', ')} is not registered and no target reaches it: register it or name it in targets`,
      { details: { field: 'targets', hostIds: unreachable } },
    );
  return out;
}

/** Groups items by host. */
export function byHost<T extends { hostId: string }>(items: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(i.hostId, [...(m.get(i.hostId) ?? []), i]);
  return m;
}

/** The sshdConfigPath field of a child, when there is one. */
export const configOf = (path: string | null | undefined) => (path ? { sshdConfigPath: path } : {});
