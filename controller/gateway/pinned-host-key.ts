/**
 * The target's host key for the outbound `ssh`, pinned from the inventory. The inventory
 * pins a fingerprint (the host record's, or the host keys a scan found), while OpenSSH's
 * known_hosts wants the key itself: the key the host offers is read once (an SSH handshake
 * that stops at the host key) and written to the session's known_hosts only when its
 * SHA256 fingerprint is one the inventory pinned. The outbound ssh then runs with
 * StrictHostKeyChecking=yes against that file: a host offering any other key is refused.
 */
import ssh2 from 'ssh2';
import { hostKeyMismatch, hostUnreachable } from '../../shared/errors';
import { parsePublicKeyBlob } from '../../shared/ssh/public-key';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';

const { Client } = ssh2;

/** The fingerprints the inventory trusts for the host. */
export async function pinnedFingerprints(
  store: Pick<Store, 'inventory'>,
  host: HostRecord,
): Promise<string[]> {
  if (host.hostKeyFingerprint) return [host.hostKeyFingerprint];
  const items = await store.inventory.items.list('host-key', { hostId: host.id });
  return items.map((i) => i.fingerprint).filter((f): f is string => !!f);
}

/** `type base64` of the host key offered, after checking it against the pins. */
export function offeredHostKey(
  host: Pick<HostRecord, 'address' | 'port' | 'name'>,
  pins: readonly string[],
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!pins.length) {
      reject(
        hostKeyMismatch(`no host key of ${host.name} is pinned in the inventory: scan it first`),
      );
      return;
    }
    const client = new Client();
    let settled = false;
    const done = (err: Error | null, line?: string) => {
      if (settled) return;
      settled = true;
      client.end();
      if (err) reject(err);
      else resolve(line as string);
    };
    client.on('error', (err) =>
      done(
        hostUnreachable(`cannot reach ${host.name} (${host.address}:${host.port}): ${err.message}`),
      ),
    );
    client.connect({
      host: host.address,
      port: host.port,
      username: 'keywarden-host-key-check',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        const parsed = parsePublicKeyBlob(key);
        if (!parsed.ok) {
          done(hostKeyMismatch(`${host.name} offered a host key Keywarden cannot read`));
        } else if (!pins.includes(parsed.key.sha256)) {
          done(
            hostKeyMismatch(
              `${host.name} offered host key ${parsed.key.sha256}, not the pinned ${pins.join(', ')}`,
              { details: { offered: parsed.key.sha256, pinned: pins } },
            ),
          );
        } else {
          done(null, `${parsed.key.type} ${parsed.key.base64}`);
        }
        // Stop at the host key: nothing is authenticated on this connection.
        return false;
      },
    });
  });
}
