/**
 * Edits that go by the records of what Keywarden placed (`ownsByOptions`), not by the marker
 * in the file: any user can write `keywarden-managed` into their own authorized_keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAuthorizedKey,
  ownsByOptions,
  removeAuthorizedKeys,
} from '../../../shared/ssh/authorized-keys-edit';
import { generateKey, keygenList, makeTempDir, type TempDir } from './keygen';

let dir: TempDir;
let key: string;
let fingerprint = '';
beforeAll(() => {
  dir = makeTempDir();
  key = generateKey(dir, 'k', 'ed25519', undefined, 'bob@laptop');
  fingerprint = keygenList(dir, `${key}\n`)[0]!.split(' ')[1]!;
});
afterAll(() => dir.cleanup());

describe('lines owned by record, not by marker', () => {
  it('leaves a line with a forged marker alone when the records place other options', () => {
    const forged = `# mine\nno-pty ${key} keywarden-managed:authz-0123\n`;
    const owns = ownsByOptions([[{ name: 'restrict' }]]);
    const add = addAuthorizedKey(forged, key, {
      options: [{ name: 'from', value: '10.0.0.1' }],
      owns,
    });
    expect(add).toMatchObject({ text: forged, changed: false, skippedUnmanaged: [2] });
    const rm = removeAuthorizedKeys(forged, fingerprint, { owns });
    expect(rm).toMatchObject({ text: forged, changed: false, skippedUnmanaged: [2] });
    // By the marker alone (the default), the same forged line would be rewritten and removed.
    expect(addAuthorizedKey(forged, key, { options: [{ name: 'restrict' }] }).changed).toBe(true);
    expect(removeAuthorizedKeys(forged, fingerprint).changed).toBe(true);
  });

  it('rewrites or removes the line whose options the records hold, marker or not', () => {
    const placed = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x\nrestrict,expiry-time="20300101000000Z" ${key}\n`;
    const owns = ownsByOptions([
      [{ name: 'restrict' }, { name: 'expiry-time', value: '20300101000000Z' }],
    ]);
    const add = addAuthorizedKey(placed, key, { options: [{ name: 'restrict' }], owns });
    expect(add.changed).toBe(true);
    expect(add.text).toBe(`ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x\nrestrict ${key}\n`);
    const rm = removeAuthorizedKeys(placed, fingerprint, { owns });
    expect(rm).toMatchObject({ changed: true, lines: [2] });
    expect(rm.text).toBe('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x\n');
  });
});
