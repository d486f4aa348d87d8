/**
 * Which revocation list each host confirmed: the KRL written at its path and sshd using it
 * (RevokedKeys names it). Kept as audit entries (action `host.revoked-keys`, subject the
 * host) like the sshd-config confirmations, with the fingerprints the list revoked, so the
 * time a blacklisted key took to reach a host is the first entry that lists it.
 */
import type { Store } from '../store/store';

export const REVOKED_KEYS_AUDIT_ACTION = 'host.revoked-keys';
/** Entries read at most for one key (a host confirms about once per blacklist change). */
const MAX_ENTRIES = 100_000;

export interface RevocationConfirmation {
  hostId: string;
  at: number;
  sha256: string;
  path: string;
  fingerprints: string[];
}

export async function recordRevocationConfirmed(
  store: Pick<Store, 'audit'>,
  c: RevocationConfirmation & { actor: string },
): Promise<void> {
  await store.audit.append({
    at: c.at,
    actor: c.actor,
    action: REVOKED_KEYS_AUDIT_ACTION,
    subject: c.hostId,
    details: { sha256: c.sha256, path: c.path, fingerprints: c.fingerprints },
  });
}

/**
 * Per host, when it first confirmed a list revoking `fingerprint` (at or after `since`).
 * Read newest first; the earliest one found wins.
 */
export async function confirmationsOf(
  store: Pick<Store, 'audit'>,
  fingerprint: string,
  since: number,
): Promise<Map<string, RevocationConfirmation>> {
  const first = new Map<string, RevocationConfirmation>();
  let after: string | undefined;
  for (let read = 0; read < MAX_ENTRIES;) {
    const page = await store.audit.list(
      { action: REVOKED_KEYS_AUDIT_ACTION, since },
      { limit: 500, ...(after ? { after } : {}) },
    );
    for (const e of page.items) {
      const d = e.details as Partial<RevocationConfirmation>;
      if (!Array.isArray(d.fingerprints) || !d.fingerprints.includes(fingerprint)) continue;
      const seen = first.get(e.subject);
      if (!seen || e.at < seen.at)
        first.set(e.subject, {
          hostId: e.subject,
          at: e.at,
          sha256: String(d.sha256),
          path: String(d.path),
          fingerprints: d.fingerprints,
        });
    }
    read += page.items.length;
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return first;
}
