/**
 * Management keys must always be usable: ssh2's ed25519 generator emits a malformed key
 * about once in 256 draws (a 31-byte public key), which then failed host discovery or a
 * key renewal at random. Over 2,000 keys the old code met that case with near certainty.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateManagementKey } from '../../../controller/agentless/management-key';
import { parsePublicKeyLine } from '../../../shared/ssh/public-key';

describe('generateManagementKey', () => {
  it('gives 2,000 keys in a row whose public key parses with 32 bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const key = generateManagementKey('h1', 0);
      const parsed = parsePublicKeyLine(key.publicKey);
      expect(parsed.ok, key.publicKey).toBe(true);
      if (parsed.ok) expect(parsed.key.sha256).toBe(key.fingerprint);
    }
  });

  it('gives a private key that ssh-keygen reads back to the same public key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kwt-mgmt-key-'));
    try {
      const key = generateManagementKey('h1', 0);
      const file = join(dir, 'k');
      writeFileSync(file, key.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
      expect(derived.trim().split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
