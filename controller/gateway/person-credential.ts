/**
 * Who a key presented at the gateway belongs to: a plain key of exactly one active person
 * in the directory records, or an OpenSSH user certificate from a trusted CA naming the
 * person (certificate-login.ts). Either way not revoked (revoked-credential.ts). A refused
 * certificate says why to the person (`tell`): they chose to present it, and "Permission
 * denied" alone does not say the certificate expired or the CA is not trusted; an unknown
 * plain key says nothing, as clients try every key they hold.
 */
import type { Logger } from 'pino';
import ssh2 from 'ssh2';
import type { PublicKey } from '../../shared/ssh/public-key';
import type { Config } from '../config/load-config';
import type { PersonRecord } from '../store/directory-records';
import type { Store } from '../store/store';
import { judgeCertificate, type CertificateSummary } from './certificate-login';
import { certificateSignatureValid } from './certificate-signatures';
import { credentialRevocation } from './revoked-credential';
import { personOfKey } from './session-access';
import { readTrustedCas } from './trusted-user-cas';

const { utils } = ssh2;

export type PersonCredential =
  | {
      ok: true;
      person: PersonRecord;
      /** SHA256 of the key that signs (for a certificate, the certified key). */
      fingerprint: string;
      certificate: CertificateSummary | null;
    }
  | { ok: false; reason: string; tell: boolean };

export interface CredentialDeps {
  store: Pick<Store, 'inventory' | 'directory'>;
  config: Pick<Config, 'gatewayTrustedUserCaKeys' | 'gatewayRevokedKeys'>;
  log: Logger;
}

export async function judgeCredential(
  deps: CredentialDeps,
  key: PublicKey,
  address: string,
  now: number,
): Promise<PersonCredential> {
  const krlFile = deps.config.gatewayRevokedKeys;
  const cert = key.certificate;
  if (cert) {
    const caFile = deps.config.gatewayTrustedUserCaKeys;
    // Silent: OpenSSH offers any certificate beside its key (id_ed25519-cert.pub), so people
    // whose certificates are for other systems would read this at every login.
    if (!caFile)
      return {
        ok: false,
        tell: false,
        reason:
          'this gateway takes no certificates (no KEYWARDEN_GATEWAY_TRUSTED_USER_CA_KEYS): use your own key',
      };
    const cas = await readTrustedCas(caFile).catch((err: unknown) => {
      deps.log.error({ err }, 'gateway: the trusted user CA file cannot be read');
      return new Map();
    });
    const judged = await judgeCertificate(
      { store: deps.store, krlFile, log: deps.log },
      cas,
      { ...key, certificate: cert },
      address,
      now,
    );
    if (!judged.ok) return { ok: false, reason: judged.reason, tell: true };
    return {
      ok: true,
      person: judged.person,
      fingerprint: key.sha256,
      certificate: judged.summary,
    };
  }
  const person = await personOfKey(deps.store, key.sha256);
  if (!person) return { ok: false, reason: `no active person owns ${key.sha256}`, tell: false };
  const revocation = await credentialRevocation(
    { store: deps.store, krlFile, log: deps.log },
    {
      line: `${key.type} ${key.base64}`,
      fingerprints: [{ what: 'the key', fingerprint: key.sha256 }],
    },
  );
  if (revocation.revoked)
    return { ok: false, reason: `key ${key.sha256} refused: ${revocation.reason}`, tell: true };
  return { ok: true, person, fingerprint: key.sha256, certificate: null };
}

/** The person's signature over the session, with the key (or certified key) presented. */
export function credentialSignatureValid(
  key: PublicKey,
  signed: Buffer,
  signature: Buffer,
  hashAlgo: string | undefined,
): boolean {
  if (key.certificate) return certificateSignatureValid(key, signed, signature);
  const parsed = utils.parseKey(`${key.type} ${key.base64}`);
  return !(parsed instanceof Error) && parsed.verify(signed, signature, hashAlgo);
}
