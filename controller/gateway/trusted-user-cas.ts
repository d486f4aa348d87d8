/**
 * The user CAs whose certificates the gateway takes as a person's credential: a file of
 * OpenSSH public keys, one a line (`type base64 [comment]`, `#` comments), the format of
 * sshd's TrustedUserCAKeys, so the file an operator already hands sshd serves here too.
 * Read at each certificate login, as sshd does, so adding or withdrawing a CA needs no
 * restart; checked once at start so a wrong file stops the gateway with the line at fault.
 */
import { readFile } from 'node:fs/promises';
import sshpk from 'sshpk';
import { invalidConfig } from '../../shared/errors';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';

export interface TrustedCa {
  /** SHA256:... of the CA key, as a certificate names its signer (`caSha256`). */
  fingerprint: string;
  /** The same key for the signature check (sshpk). */
  key: sshpk.Key;
  comment: string;
}

const SETTING = 'KEYWARDEN_GATEWAY_TRUSTED_USER_CA_KEYS';

export function parseTrustedCas(file: string, text: string): Map<string, TrustedCa> {
  const out = new Map<string, TrustedCa>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${SETTING}=${file} line ${index + 1}`;
    const parsed = parsePublicKeyLine(line);
    if (!parsed.ok) throw invalidConfig(`${where}: not an OpenSSH public key (${parsed.reason})`);
    if (parsed.key.certificate) throw invalidConfig(`${where}: a certificate, not a CA public key`);
    let key: sshpk.Key;
    try {
      key = sshpk.parseKey(`${parsed.key.type} ${parsed.key.base64}`, 'ssh');
    } catch (cause) {
      throw invalidConfig(`${where}: ${parsed.key.type} keys cannot sign certificates here`, {
        cause,
      });
    }
    out.set(parsed.key.sha256, { fingerprint: parsed.key.sha256, key, comment: parsed.comment });
  });
  return out;
}

export async function readTrustedCas(file: string): Promise<Map<string, TrustedCa>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw invalidConfig(`${SETTING}=${file}: cannot read the file`, { cause });
  }
  return parseTrustedCas(file, text);
}
