/**
 * The gateway's own SSH host key: made once (ed25519), kept sealed with the master key in
 * DATA_DIR/gateway/ssh_host_ed25519_key.sealed (never in clear on disk), opened at start.
 * Its fingerprint is what people pin in their known_hosts; it is logged at start.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { generateEd25519Key } from '../agentless/management-key';
import type { SecretBox } from '../secrets/secret-box';

const CONTEXT = 'gateway:host-key';

export function gatewayHostKeyFile(dataDir: string): string {
  return path.join(dataDir, 'gateway', 'ssh_host_ed25519_key.sealed');
}

export function loadGatewayHostKey(
  dataDir: string,
  box: SecretBox,
): { privateKey: string; publicKey: string; fingerprint: string } {
  const file = gatewayHostKeyFile(dataDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    const sealed = JSON.parse(readFileSync(file, 'utf8')) as {
      sealed: string;
      publicKey: string;
      fingerprint: string;
    };
    return { ...sealed, privateKey: box.open(sealed.sealed, CONTEXT) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = generateEd25519Key('keywarden-gateway');
  try {
    // O_EXCL: two controllers starting at once on one data directory keep one key.
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(
        fd,
        JSON.stringify({
          sealed: box.seal(key.privateKey, CONTEXT),
          publicKey: key.publicKey,
          fingerprint: key.fingerprint,
        }),
      );
    } finally {
      closeSync(fd);
    }
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadGatewayHostKey(dataDir, box);
    throw err;
  }
}
