/**
 * Host credentials for agentless management, always sealed (controller/secrets): the
 * store never sees a password or private key in clear. One record per (host, slot):
 * - initial: the password or key an admin gave when adding the host; forgotten once a
 *   management key works.
 * - management: the per-host key Keywarden logs in with.
 * - pending: a new key during renewal, until login with it is proven.
 * - retired: the previous key after renewal, until it is removed from the host.
 */
export const CREDENTIAL_SLOTS = ['initial', 'management', 'pending', 'retired'] as const;
export type CredentialSlot = (typeof CREDENTIAL_SLOTS)[number];

export interface HostCredentialRecord {
  hostId: string;
  slot: CredentialSlot;
  kind: 'password' | 'private-key';
  /** SecretBox output; the sealing context names the host, never the slot (slots move on renewal). */
  sealed: string;
  /** For keys: the public key line and its SHA256 fingerprint (not secret). */
  publicKey: string | null;
  fingerprint: string | null;
  createdAt: number;
}

export interface HostCredentialRepository {
  /** Creates or replaces the record of this (host, slot). */
  put(rec: HostCredentialRecord): Promise<void>;
  get(hostId: string, slot: CredentialSlot): Promise<HostCredentialRecord | null>;
  listForHost(hostId: string): Promise<HostCredentialRecord[]>;
  /** Every record of a key with this SHA256 fingerprint, by host then slot (an index serves it). */
  listByFingerprint(fingerprint: string): Promise<HostCredentialRecord[]>;
  /** true when a record was removed. */
  remove(hostId: string, slot: CredentialSlot): Promise<boolean>;
  /** Removes every slot of the host (the host was deleted); returns how many. */
  removeHost(hostId: string): Promise<number>;
}
