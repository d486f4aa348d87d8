/**
 * An OpenSSH user certificate as a person's credential at the gateway. The person is the
 * one active person whose uid is a principal of the certificate (the CA states "this key is
 * alice's"); the key id is kept with the session for the audit but decides nothing, since
 * CAs fill it in free form. Checked as sshd checks a certificate against TrustedUserCAKeys
 * (shared/ssh/effective-access/certificates.ts, the same code that judges hosts' sshd):
 * a trusted CA whose signature verifies, a user certificate inside its validity window
 * with principals, critical options the gateway knows, source-address honoured, and not
 * revoked. The fields come from the repo's own lossless reader; the signatures are checked
 * in certificate-signatures.ts.
 */
import type { CertificateInfo, PublicKey } from '../../shared/ssh/public-key';
import {
  certificateOptionsRefusal,
  certificateRefusal,
} from '../../shared/ssh/effective-access/certificates';
import type { PersonRecord } from '../store/directory-records';
import type { Store } from '../store/store';
import { caSignatureValid } from './certificate-signatures';
import { credentialRevocation, type RevocationDeps } from './revoked-credential';
import type { TrustedCa } from './trusted-user-cas';

export type CertificateLogin =
  { ok: true; person: PersonRecord; summary: CertificateSummary } | { ok: false; reason: string };

/** What the session's record keeps of the certificate it was opened with. */
export interface CertificateSummary {
  keyId: string;
  serial: string;
  principals: string[];
  ca: string;
  validBefore: string | null;
}

/**
 * force-command and verify-required restrict what sshd runs or how the key signs; the
 * gateway can honour neither (it opens a shell on another host, and does not read FIDO
 * flags), so a certificate carrying them is refused rather than obeyed in part.
 */
const GATEWAY_CRITICAL_OPTIONS = new Set(['source-address']);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function judgeCertificate(
  deps: RevocationDeps & { store: Pick<Store, 'inventory' | 'directory'> },
  cas: Map<string, TrustedCa>,
  key: PublicKey & { certificate: CertificateInfo },
  address: string,
  now: number,
): Promise<CertificateLogin> {
  const cert = key.certificate;
  const refuse = (why: string): CertificateLogin => ({
    ok: false,
    reason: `certificate ${JSON.stringify(cert.keyId)} (serial ${cert.serial}) refused: ${why}`,
  });
  const ca = cas.get(cert.caSha256);
  if (!ca) return refuse(`it is signed by ${cert.caSha256}, which is not a trusted user CA`);
  if (!caSignatureValid(key, ca.key)) return refuse(`its CA signature does not verify`);
  const invalid = certificateRefusal(cert, Math.floor(now / 1000), null, true);
  if (invalid) {
    const window = `valid from ${iso(cert.validAfterMs) ?? 'always'} to ${iso(cert.validBeforeMs) ?? 'forever'}`;
    return refuse(`${invalid.replace(/^Certificate invalid: /, '')} (${window})`);
  }
  for (const name of Object.keys(cert.criticalOptions)) {
    if (!GATEWAY_CRITICAL_OPTIONS.has(name))
      return refuse(`critical option ${name} is not supported by the gateway`);
  }
  const optionRefusal = certificateOptionsRefusal(cert, address);
  if (optionRefusal) return refuse(optionRefusal);
  const revocation = await credentialRevocation(deps, {
    line: `${key.type} ${key.base64}`,
    fingerprints: [
      { what: 'the certified key', fingerprint: key.sha256 },
      { what: 'the CA key', fingerprint: cert.caSha256 },
    ],
  });
  if (revocation.revoked) return refuse(revocation.reason);
  const people = (await deps.store.directory.listPeople({ state: 'active' })).filter((p) =>
    cert.principals.includes(p.uid),
  );
  if (people.length === 0)
    return refuse(
      `no active person has a uid among its principals (${cert.principals.join(', ')})`,
    );
  if (people.length > 1)
    return refuse(
      `its principals name more than one person (${people.map((p) => p.uid).join(', ')}): a certificate for the gateway names one`,
    );
  return {
    ok: true,
    person: people[0] as PersonRecord,
    summary: {
      keyId: cert.keyId,
      serial: cert.serial,
      principals: cert.principals,
      ca: cert.caSha256,
      validBefore: iso(cert.validBeforeMs),
    },
  };
}
