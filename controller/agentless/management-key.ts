/** A fresh per-host management key: ed25519, in the OpenSSH format ssh2 and ssh read. */
import ssh2 from 'ssh2';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import { readOpensshPrivateKeyHeader } from '../../shared/hostops/openssh-private-key';
import type { GeneratedKey } from '../secrets/credential-vault';

// ssh2 is CommonJS: under plain Node ESM only its default export is reliable.
const { utils } = ssh2;

/**
 * ssh2's generateKeyPairSync strips leading zero bytes from an ed25519 public key (its
 * issues #1390 and #1513), so about one key in 256 comes out 31 bytes long, which neither
 * ssh2 nor OpenSSH accepts. Such a draw is thrown away and another made; the odds of eight
 * bad draws in a row are 2^-64.
 */
const MAX_DRAWS = 8;

export function generateManagementKey(hostId: string, now = Date.now()): GeneratedKey {
  return generateEd25519Key(
    `keywarden-management@${hostId}-${new Date(now).toISOString().slice(0, 10)}`,
  );
}

/** A well-formed ed25519 pair with this comment (the session gateway's ephemeral keys too). */
export function generateEd25519Key(comment: string): GeneratedKey {
  let reason = '';
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    const publicKey = pair.public.trim();
    const parsed = parsePublicKeyLine(publicKey);
    const header = readOpensshPrivateKeyHeader(pair.private);
    if (parsed.ok && header?.publicKeyBlob.equals(parsed.key.blob))
      return { privateKey: pair.private, publicKey, fingerprint: parsed.key.sha256 };
    reason = parsed.ok ? 'its private key holds another public key' : parsed.reason;
  }
  throw new Error(`could not generate a well-formed management key: ${reason}`);
}
