/**
 * Every error code the product raises is a key of the table in shared/errors.ts. The type
 * of a KeywardenError's code already refuses an unknown string; this catches the ways
 * around it: a plain Error or object given a `code:` of its own, a comparison against a
 * code the table does not have (a typo that never matches), a KeywardenError built by
 * hand outside the table's module.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../../shared/errors';

const root = join(import.meta.dirname, '..', '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'gen' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const files = ['controller', 'agent', 'shared'].flatMap((d) => sources(join(root, d)));
const inTable = (code: string) => Object.hasOwn(ERRORS, code);
/** Codes that are not ours: Node's errnos (ENOENT, ERR_FS_...), SQLite's result codes and csv-parse's (CSV_...), translated where they are met. */
const foreign = (code: string) => /^(E[A-Z]+|ERR_[A-Z_]+|SQLITE_[A-Z_]+|CSV_[A-Z_]+)$/.test(code);

function offences(pattern: RegExp, ok: (code: string, file: string) => boolean): string[] {
  const found: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(pattern)) {
      const code = m[1]!;
      if (!ok(code, file)) {
        const line = text.slice(0, m.index).split('\n').length;
        found.push(`${relative(root, file)}:${line}: ${m[0]}`);
      }
    }
  }
  return found;
}

describe('error codes outside the table', () => {
  it('scans the product sources', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('no `code: "..."` literal names a code the table does not have', () => {
    expect(offences(/\bcode:\s*'([A-Z][A-Z0-9_]+)'/g, (c) => inTable(c) || foreign(c))).toEqual([]);
  });

  it('no comparison against a code the table does not have', () => {
    expect(
      offences(
        /(?:\bcode|errorCode\([^)]*\)|\.code)\s*[!=]==\s*'([A-Z][A-Z0-9_]+)'/g,
        (c) => inTable(c) || foreign(c),
      ),
    ).toEqual([]);
  });

  it('no plain Error is given a code of ours: it is built with the creator', () => {
    expect(
      offences(/Object\.assign\(\s*new Error\([\s\S]{0,400}?\{\s*code:\s*'([A-Z_]+)'/g, (c) =>
        foreign(c),
      ),
    ).toEqual([]);
  });

  it('KeywardenError is built by hand only in the table module (and the test-only fixture)', () => {
    expect(
      offences(
        /new KeywardenError\(\s*'([A-Z_]+)'/g,
        (c, file) => file.endsWith(join('shared', 'errors.ts')) || c === 'TEST_FLAKY',
      ),
    ).toEqual([]);
  });
});
