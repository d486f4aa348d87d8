/**
 * The text edits a quarantine is made of: the options of one hand-written line rewritten
 * (the line as it was reported, to be kept), then that exact line put back byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ownsByOptions,
  replaceAuthorizedKeyLine,
  setAuthorizedKeyOptions,
} from '../../../shared/ssh/authorized-keys-edit';
import { generateKey, keygenList, makeTempDir, type TempDir } from './keygen';

let dir: TempDir;
let key = '';
let other = '';
let fingerprint = '';
beforeAll(() => {
  dir = makeTempDir();
  key = generateKey(dir, 'k', 'ed25519', undefined, 'bob@laptop');
  other = generateKey(dir, 'o', 'ed25519', undefined, 'carol');
  fingerprint = keygenList(dir, `${key}\n`)[0]!.split(' ')[1]!;
});
afterAll(() => dir.cleanup());

const quarantine = [
  { name: 'restrict' },
  { name: 'from', value: '0.0.0.0/32' },
  { name: 'expiry-time', value: '20260101000000Z' },
];

describe('quarantine and restore of one line', () => {
  it('reports the line as it was, and puts exactly that line back', () => {
    // Odd spacing, a non-canonical option spelling and CRLF: a rewrite of the options
    // alone could not give this back.
    const original = `\tno-X11-forwarding,from="10.*"   ${key} `;
    const text = `# hand\n${other}\r\n${original}\r\nlast-line-no-newline ${other}`;
    const owns = ownsByOptions([[{ name: 'no-x11-forwarding' }, { name: 'from', value: '10.*' }]]);
    const q = setAuthorizedKeyOptions(text, fingerprint, quarantine, { owns });
    expect(q).toMatchObject({ changed: true, lines: [3], before: [original] });
    expect(q.text).toContain(
      `\trestrict,from="0.0.0.0/32",expiry-time="20260101000000Z" ${key} \r\n`,
    );
    expect(q.text.replace(/^.*restrict.*$/m, '')).toBe(text.replace(original, ''));
    const back = replaceAuthorizedKeyLine(q.text, fingerprint, original, {
      owns: ownsByOptions([quarantine]),
    });
    expect(back).toMatchObject({ changed: true, lines: [3] });
    expect(back.text).toBe(text);
    // Done again, nothing changes (a retried restore).
    const owned = { owns: (e: { raw: string }) => e.raw === original };
    expect(replaceAuthorizedKeyLine(back.text, fingerprint, original, owned).changed).toBe(false);
  });

  it('refuses a line that does not carry the key', () => {
    expect(() => replaceAuthorizedKeyLine('', fingerprint, other)).toThrow(/carrying key/);
    expect(() => replaceAuthorizedKeyLine('', fingerprint, `${key}\nx`)).toThrow(/one/);
  });
});
