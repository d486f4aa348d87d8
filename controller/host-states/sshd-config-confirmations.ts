/**
 * Which sshd config each host confirmed: the content (SHA-256) a deploy wrote, sshd -t
 * accepted, sshd reloaded and, over SSH, a fresh login proved. Kept as audit entries
 * (action `host.sshd-config`, subject the host): a deploy about to change a file records
 * `deploying` first and `confirmed` only once every check passed, so the newest entry for
 * a path says whether its content was confirmed. Only then may a deploy of the same content
 * skip the checks and the reload; an entry that is missing (purged, never written) means
 * "check again", never "skip".
 */
import type { Store } from '../store/store';

export const CONFIG_AUDIT_ACTION = 'host.sshd-config';
/** Entries read at most looking for a path's newest (a host has few deployed paths). */
const LOOKBACK = 500;

type Audit = Pick<Store, 'audit'>;

export interface ConfigEvent {
  event: 'deploying' | 'confirmed';
  path: string;
  sha256: string;
  at: number;
}

/** The newest event for this host and path, or null. */
export async function latestConfigEvent(
  store: Audit,
  hostId: string,
  path: string,
): Promise<ConfigEvent | null> {
  let after: string | undefined;
  for (let read = 0; read < LOOKBACK;) {
    const page = await store.audit.list(
      { action: CONFIG_AUDIT_ACTION, subject: hostId },
      { limit: 100, ...(after ? { after } : {}) },
    );
    for (const e of page.items) {
      const d = e.details as Partial<ConfigEvent>;
      if (d.path === path && (d.event === 'deploying' || d.event === 'confirmed'))
        return { event: d.event, path, sha256: String(d.sha256), at: e.at };
    }
    read += page.items.length;
    if (!page.nextCursor) return null;
    after = page.nextCursor;
  }
  return null;
}

export async function recordConfigEvent(
  store: Audit,
  o: {
    hostId: string;
    path: string;
    sha256: string;
    event: ConfigEvent['event'];
    actor: string;
    at: number;
  },
): Promise<void> {
  await store.audit.append({
    at: o.at,
    actor: o.actor,
    action: CONFIG_AUDIT_ACTION,
    subject: o.hostId,
    details: { event: o.event, path: o.path, sha256: o.sha256 },
  });
}
