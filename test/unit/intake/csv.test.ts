/**
 * The CSV reader behind host imports: quoting, line breaks of every style, a BOM, ragged
 * rows, and the line each row starts on (the import report names it).
 */
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../controller/intake/csv';
import { parseHostImport } from '../../../controller/intake/host-import';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';

describe('parseCsv', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks, and keeps each row start line', () => {
    const text = ['a,b,c', `1,"x, y","say ""hi"""`, `2,"${KEY}",z`, '3,4,5'].join('\n');
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', KEY, 'z'] },
      { line: 6, fields: ['3', '4', '5'] },
    ]);
  });

  it('reads CRLF and lone CR files, also with CRLF inside a quoted field, with the same lines', () => {
    const crlfKey = KEY.replace(/\n/g, '\r\n');
    for (const eol of ['\r\n', '\r']) {
      const text = ['a,b', `1,"${crlfKey}"`, '', '2,3', ''].join(eol);
      expect(parseCsv(text), JSON.stringify(eol)).toEqual([
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', KEY] },
        { line: 6, fields: ['2', '3'] },
      ]);
    }
  });

  it('drops a byte order mark and skips blank lines without shifting later line numbers', () => {
    const text = '\ufeffaddress,port\n\n   \n10.0.0.1,22\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['address', 'port'] },
      { line: 4, fields: ['10.0.0.1', '22'] },
    ]);
  });

  it('returns ragged rows as they are, and keeps a quote inside an unquoted field', () => {
    expect(parseCsv('a,b,c\n1,2\n1,2,3,4\np"w,x,y')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['1', '2', '3', '4'] },
      { line: 4, fields: ['p"w', 'x', 'y'] },
    ]);
  });

  it('refuses a quote never closed, naming the line, without quoting the field', () => {
    let caught: unknown;
    try {
      parseCsv('a,b\n1,2\n\n3,"secret-pw\n4,5');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/row after line 2 has a quoted field that is never closed/),
      details: { field: 'csv', line: 3 },
    });
    expect(JSON.stringify(caught)).not.toContain('secret-pw');
    expect(String((caught as Error).message)).not.toContain('secret-pw');
  });
});

describe('parseHostImport', () => {
  it('reports a ragged row and a bad row by the line they start on, after a CRLF multi-line key', () => {
    const key = utils.generateKeyPairSync('ed25519').private.trim();
    const keyLines = key.split('\n').length;
    const text = [
      'address,management_account,password,private_key',
      `10.0.0.1,root,,"${key.replace(/\n/g, '\r\n')}"`,
      '10.0.0.2,root',
      '10.0.0.3,,pw,',
      '10.0.0.4,root,"pw, with comma",',
    ].join('\r\n');
    const out = parseHostImport(`\ufeff${text}\r\n`);
    expect(out.rows.map((r) => [r.line, r.host.address])).toEqual([
      [2, '10.0.0.1'],
      [4 + keyLines, '10.0.0.4'],
    ]);
    expect(out.failed).toEqual([
      {
        line: 2 + keyLines,
        address: '10.0.0.2',
        field: '(row)',
        reason: 'has 2 fields, the header has 4',
      },
      expect.objectContaining({
        line: 3 + keyLines,
        address: '10.0.0.3',
        field: 'management_account',
      }),
    ]);
    // The key as its file holds it: LF line breaks, one at the end.
    expect(out.rows[0]?.host.credential).toEqual({ privateKey: `${key}\n` });
    expect(out.rows[1]?.host.credential).toEqual({ password: 'pw, with comma' });
  });
});
