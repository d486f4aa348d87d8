import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAuthorizedKey,
  removeAuthorizedKeys,
  setAuthorizedKeyOptions,
} from '../../../shared/ssh/authorized-keys-edit';
import {
  authorizedKeyEntries,
  parseAuthorizedKeys,
  serializeAuthorizedKeys,
  type AuthorizedKeyEntry,
} from '../../../shared/ssh/authorized-keys';
import { formatKeygenLine } from '../../../shared/ssh/public-key';
import { mutatedInputs } from './fuzz';
import { generateKey, keygenList, makeTempDir, type TempDir } from './keygen';

let dir: TempDir;
let ed: string;
let ec: string;
let rsa: string;
const fp = (line: string) => keygenList(dir, line + '\n')[0]!.split(' ')[1]!;

beforeAll(() => {
  dir = makeTempDir();
  ed = generateKey(dir, 'ed', 'ed25519', undefined, 'alice@laptop');
  ec = generateKey(dir, 'ec', 'ecdsa', 256, 'bob@desk');
  rsa = generateKey(dir, 'rsa', 'rsa', 1024, 'carol');
});
afterAll(() => dir.cleanup());

const keyLines = (text: string) => authorizedKeyEntries(parseAuthorizedKeys(text));

describe('parseAuthorizedKeys', () => {
  it('lists the same keys as ssh-keygen -l on a file with options, comments and junk', () => {
    const text = [
      '# managed by hand',
      '',
      `no-pty,command="echo \\"hi\\", there" ${ed}`,
      `  from="10.0.0.0/8,!10.1.*",NO-X11-FORWARDING,permitopen="db:5432" ${ec} with spaces `,
      'ssh-ed25519 AAAA-not-base64 broken',
      `restrict,pty ${rsa}`,
    ].join('\r\n');
    const ours = keyLines(text).map((e) => formatKeygenLine(e.key, e.comment, 'sha256'));
    expect(ours).toEqual(keygenList(dir, text.replace(/\r/g, '')));
    const entries = keyLines(text);
    expect(entries.map((e) => e.lineNumber)).toEqual([3, 4, 6]);
    expect(entries[0]!.options).toEqual([
      { name: 'no-pty' },
      { name: 'command', value: 'echo "hi", there' },
    ]);
    expect(entries[1]!.options.map((o) => o.name)).toEqual([
      'from',
      'no-x11-forwarding',
      'permitopen',
    ]);
    expect(entries[1]!.comment).toBe('bob@desk with spaces ');
    const invalid = parseAuthorizedKeys(text).lines.filter((l) => l.kind === 'invalid');
    expect(invalid).toEqual([
      expect.objectContaining({ lineNumber: 5, reason: 'key data is not valid base64' }),
    ]);
  });

  it('accepts what sshd 9.2 accepts: empty options between commas, a trailing comma', () => {
    // Checked against a real sshd: each of these lines lets its key log in.
    for (const l of [
      `no-pty, ${ed}`,
      `,no-pty ${ed}`,
      `no-pty,,no-pty ${ed}`,
      `touch-required ${ed}`,
    ]) {
      expect(parseAuthorizedKeys(l).lines[0]?.kind, l).toBe('key');
    }
  });

  it('rejects lines sshd would reject because of their options, with the reason', () => {
    const reasons = [
      `no-pty,bogus ${ed}`,
      `command=unquoted ${ed}`,
      `command="a",command="b" ${ed}`,
      `environment="1BAD" ${ed}`,
      `permitopen="host:notaport" ${ed}`,
      `command="never closed ${ed}`,
      `from="*" `,
    ].map((l) => {
      const [line] = parseAuthorizedKeys(l).lines;
      return line?.kind === 'invalid' ? line.reason : line?.kind;
    });
    expect(reasons).toEqual([
      'bad key options: unknown key option "bogus"',
      'bad key options: option command: missing start quote',
      'bad key options: multiple "command" clauses',
      'bad key options: environment must be NAME=value',
      'bad key options: permitopen: invalid port "notaport"',
      'unterminated quote in key options',
      'no key after the options',
    ]);
  });

  it('accepts every documented option, names case-insensitive', () => {
    const opts =
      'agent-forwarding,cert-authority,command="x",environment="A=b",expiry-time="20301231",' +
      'from="*.example.com",no-agent-forwarding,no-port-forwarding,no-pty,no-user-rc,' +
      'No-X11-Forwarding,permitopen="h:1",permitlisten="2000",port-forwarding,principals="a,b",' +
      'PTY,no-touch-required,verify-required,RESTRICT,tunnel="1",user-rc,X11-forwarding';
    const [entry] = keyLines(`${opts} ${ed}`);
    expect(entry?.options).toHaveLength(22);
    expect(entry?.options.find((o) => o.name === 'principals')?.value).toBe('a,b');
  });
});

describe('edits', () => {
  let base = '';
  beforeAll(() => {
    base = `# admins\r\n${ed}\r\n\r\n${ec}`;
  });

  it("adds a managed line once, in the file's line-ending style", () => {
    const first = addAuthorizedKey(base, rsa, {
      options: [{ name: 'from', value: '10.0.0.1' }],
      tag: 'auth-7',
    });
    expect(first.changed).toBe(true);
    expect(first.text).toBe(`${base}\r\nfrom="10.0.0.1" ${rsa} keywarden-managed:auth-7\r\n`);
    const again = addAuthorizedKey(first.text, rsa, {
      options: [{ name: 'from', value: '10.0.0.1' }],
    });
    expect(again).toEqual({ text: first.text, changed: false, lines: [], skippedUnmanaged: [] });
    const hand = addAuthorizedKey(base, ed);
    expect(hand).toMatchObject({ text: base, changed: false, skippedUnmanaged: [2] });
  });

  it('sets options only on the targeted managed line, quoting values so sshd reads them back', () => {
    const added = addAuthorizedKey(base, rsa).text;
    const value = 'echo "quoted" \\"odd\\ \\\\ x';
    const set = setAuthorizedKeyOptions(added, fp(rsa), [
      { name: 'no-x11-forwarding' },
      { name: 'command', value },
    ]);
    expect(set.lines).toEqual([5]);
    const before = added.split('\r\n');
    const after = set.text.split('\r\n');
    expect(after.filter((l, i) => l !== before[i])).toHaveLength(1);
    const entry = keyLines(set.text).find((e) => e.key.sha256 === fp(rsa)) as AuthorizedKeyEntry;
    expect(entry.options).toEqual([{ name: 'no-x11-forwarding' }, { name: 'command', value }]);
    expect(after[4]).toMatch(/^no-X11-forwarding,command="echo \\"quoted\\" /);
    const refused = setAuthorizedKeyOptions(added, fp(ed), [{ name: 'no-pty' }]);
    expect(refused).toMatchObject({ changed: false, text: added, skippedUnmanaged: [2] });
    expect(() =>
      setAuthorizedKeyOptions(added, fp(rsa), [{ name: 'command', value: 'x\\' }]),
    ).toThrow(/cannot be written/);
  });

  it('removes by SHA256 fingerprint only managed lines unless asked', () => {
    const added = addAuthorizedKey(base, rsa).text;
    const removed = removeAuthorizedKeys(added, [fp(rsa), fp(ed)]);
    expect(removed).toMatchObject({ text: base + '\r\n', lines: [5], skippedUnmanaged: [2] });
    const revoked = removeAuthorizedKeys(base, fp(ed), { includeUnmanaged: true });
    expect(revoked.text).toBe(`# admins\r\n\r\n${ec}`);
  });
});

describe('lossless round trip (fuzz)', () => {
  it('never throws and serializes back every input byte for byte', () => {
    const seeds = [
      ed,
      `command="x \\" y",no-pty ${ec} c`,
      `from="a" ${rsa}`,
      '# c',
      '',
      'x'.repeat(5000),
    ];
    let keys = 0;
    for (const text of mutatedInputs(20261123, seeds, 3000)) {
      const parsed = parseAuthorizedKeys(text);
      expect(serializeAuthorizedKeys(parsed)).toBe(text);
      for (const line of parsed.lines) {
        expect(line.raw.includes('\n')).toBe(false);
        if (line.kind === 'key') keys++;
      }
    }
    // The corpus keeps many valid key lines, so the key path is exercised too.
    expect(keys).toBeGreaterThan(1000);
  });
});
