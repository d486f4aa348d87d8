/** A fresh per-host management key: ed25519, in the OpenSSH format ssh2 and ssh read. */
import ssh2 from 'ssh2';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import type { GeneratedKey } from '../secrets/credential-vault';

// ssh2 is CommonJS: under plain Node ESM only its default export is reliable.
const { utils } = ssh2;

export function generateManagementKey(hostId: string, now = Date.now()): GeneratedKey {
  const comment = `keywarden-management@${hostId}-${new Date(now).toISOString().slice(0, 10)}`;
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  const publicKey = pair.public.trim();
  const parsed = parsePublicKeyLine(publicKey);
  if (!parsed.ok) throw new Error(`generated management key does not parse: ${parsed.reason}`);
  return { privateKey: pair.private, publicKey, fingerprint: parsed.key.sha256 };
}
