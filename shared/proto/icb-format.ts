/**
 * The ICB (initial configuration block) file: what a new agent needs to enroll, signed
 * by the Keywarden CA. The agent checks the signature against the CA certificate inside
 * it, so an ICB whose addresses, settings or token were altered is refused before the
 * agent talks to anyone. (The CA certificate itself is what the agent will trust; an
 * operator distributes ICBs over a channel they trust, as they would a CA bundle.)
 */
import { webcrypto } from 'node:crypto';
import { enrollmentRefused } from '../errors';
import { bytes, KEY_ALGORITHM, SIGNING_ALGORITHM, x509 } from './pem-keys';

export const ICB_FORMAT = 'keywarden-icb/1';

export interface IcbPayload {
  icbId: string;
  /** host:port of the mutual-TLS AgentService. */
  controllers: string[];
  /** host:port of the TLS-only EnrollmentService. */
  enrollment: string[];
  caCertificatePem: string;
  enrollmentToken: string;
  expiresAt: number;
  groupId: string | null;
  settings: {
    mode: 'stream' | 'periodic';
    connectIntervalMs: number;
    maxConcurrentJobs: number;
    heartbeatIntervalMs: number;
  };
  createdAt: number;
}

export interface IcbFile {
  format: typeof ICB_FORMAT;
  payload: IcbPayload;
  /** base64 ECDSA P-256 / SHA-256 signature over canonicalJson(payload). */
  signature: string;
}

/** JSON with object keys sorted at every level: the bytes that are signed. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function signIcb(payload: IcbPayload, caKey: CryptoKey): Promise<IcbFile> {
  const sig = await webcrypto.subtle.sign(SIGNING_ALGORITHM, caKey, bytes(canonicalJson(payload)));
  return { format: ICB_FORMAT, payload, signature: Buffer.from(sig).toString('base64') };
}

/** Parses and verifies an ICB file's text; throws ENROLLMENT_REFUSED naming what is wrong. */
export async function readIcb(text: string, now = Date.now()): Promise<IcbPayload> {
  let icb: IcbFile;
  try {
    icb = JSON.parse(text) as IcbFile;
  } catch (cause) {
    throw enrollmentRefused('the ICB file is not valid JSON', { cause });
  }
  if (icb?.format !== ICB_FORMAT || !icb.payload || typeof icb.signature !== 'string') {
    throw enrollmentRefused(`the ICB file is not a ${ICB_FORMAT} file`, {
      details: { field: 'format', value: icb?.format, expected: ICB_FORMAT },
    });
  }
  let valid: boolean;
  try {
    const ca = new x509.X509Certificate(icb.payload.caCertificatePem);
    const key = await ca.publicKey.export(KEY_ALGORITHM, ['verify']);
    valid = await webcrypto.subtle.verify(
      SIGNING_ALGORITHM,
      key,
      bytes(Buffer.from(icb.signature, 'base64')),
      bytes(canonicalJson(icb.payload)),
    );
  } catch (cause) {
    throw enrollmentRefused('the ICB file has an unreadable CA certificate or signature', {
      cause,
    });
  }
  if (!valid) {
    throw enrollmentRefused(
      'the ICB file was altered: its signature does not match its contents (create a new ICB)',
      { details: { icbId: icb.payload.icbId } },
    );
  }
  if (icb.payload.expiresAt <= now) {
    throw enrollmentRefused(
      `the ICB's enrollment token expired at ${new Date(icb.payload.expiresAt).toISOString()} (create a new ICB)`,
      { details: { icbId: icb.payload.icbId, expiresAt: icb.payload.expiresAt } },
    );
  }
  return icb.payload;
}
