/**
 * Host credentials in and out of the store: sealed on the way in, opened only here, for a
 * connection. Nothing outside the agentless executor ever sees a secret in clear.
 */
import type { CredentialSlot, HostCredentialRecord } from '../store/credential-records';
import type { Store } from '../store/store';
import type { SecretBox } from '../secrets/secret-box';

export type InitialCredential = { password: string } | { privateKey: string };

export interface OpenedCredential {
  slot: CredentialSlot;
  kind: HostCredentialRecord['kind'];
  secret: string;
  fingerprint: string | null;
  publicKey: string | null;
  /** Identifies the credential for session reuse without revealing it. */
  key: string;
}

export interface GeneratedKey {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

const context = (hostId: string, kind: HostCredentialRecord['kind']) => `host:${hostId}:${kind}`;

export class CredentialVault {
  constructor(
    private readonly store: Pick<Store, 'hostCredentials'>,
    private readonly box: SecretBox,
  ) {}

  async putInitial(hostId: string, cred: InitialCredential, now: number): Promise<void> {
    const kind = 'password' in cred ? 'password' : 'private-key';
    const secret = 'password' in cred ? cred.password : cred.privateKey;
    await this.store.hostCredentials.put({
      hostId,
      slot: 'initial',
      kind,
      sealed: this.box.seal(secret, context(hostId, kind)),
      publicKey: null,
      fingerprint: null,
      createdAt: now,
    });
  }

  async putKey(
    hostId: string,
    slot: CredentialSlot,
    key: GeneratedKey,
    now: number,
  ): Promise<void> {
    await this.store.hostCredentials.put({
      hostId,
      slot,
      kind: 'private-key',
      sealed: this.box.seal(key.privateKey, context(hostId, 'private-key')),
      publicKey: key.publicKey,
      fingerprint: key.fingerprint,
      createdAt: now,
    });
  }

  /** Copies a record to another slot as it is (sealed values are bound to the host, not the slot). */
  async move(hostId: string, from: CredentialSlot, to: CredentialSlot): Promise<void> {
    const rec = await this.store.hostCredentials.get(hostId, from);
    if (!rec) return;
    await this.store.hostCredentials.put({ ...rec, slot: to });
    await this.store.hostCredentials.remove(hostId, from);
  }

  /** pending becomes management; the management key it replaces is kept as retired. No gap. */
  async promotePending(hostId: string): Promise<void> {
    const current = await this.store.hostCredentials.get(hostId, 'management');
    const pending = await this.store.hostCredentials.get(hostId, 'pending');
    if (!pending) return;
    if (current) await this.store.hostCredentials.put({ ...current, slot: 'retired' });
    await this.store.hostCredentials.put({ ...pending, slot: 'management' });
    await this.store.hostCredentials.remove(hostId, 'pending');
  }

  async record(hostId: string, slot: CredentialSlot): Promise<HostCredentialRecord | null> {
    return this.store.hostCredentials.get(hostId, slot);
  }

  async open(hostId: string, slot: CredentialSlot): Promise<OpenedCredential | null> {
    const rec = await this.store.hostCredentials.get(hostId, slot);
    if (!rec) return null;
    return {
      slot,
      kind: rec.kind,
      secret: this.box.open(rec.sealed, context(hostId, rec.kind)),
      fingerprint: rec.fingerprint,
      publicKey: rec.publicKey,
      key: `${slot}:${rec.fingerprint ?? rec.createdAt}:${rec.sealed.slice(-16)}`,
    };
  }

  /** What management logs in with: the management key once there is one, else the initial credential. */
  async current(hostId: string): Promise<OpenedCredential | null> {
    return (await this.open(hostId, 'management')) ?? (await this.open(hostId, 'initial'));
  }

  async forget(hostId: string, slot: CredentialSlot): Promise<boolean> {
    return this.store.hostCredentials.remove(hostId, slot);
  }

  async forgetHost(hostId: string): Promise<number> {
    return this.store.hostCredentials.removeHost(hostId);
  }
}
