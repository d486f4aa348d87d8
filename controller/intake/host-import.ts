/**
 * A CSV of agentless hosts: header row, then one host per row. Every row is checked on its
 * own; the report names each failed row, the field and why; good rows are imported.
 *
 * Columns (header names, any order, case-insensitive): address (required), port, name,
 * management_account (required), password | private_key (one required),
 * host_key_fingerprint, group_id.
 */
import { invalidInput } from '../../shared/errors';
import { parseCsv } from './csv';
import { checkNewHost, type ValidHost } from './new-host-input';

export const IMPORT_COLUMNS = [
  'address',
  'port',
  'name',
  'management_account',
  'password',
  'private_key',
  'host_key_fingerprint',
  'group_id',
] as const;
type Column = (typeof IMPORT_COLUMNS)[number];

export interface ImportRowProblem {
  /** Line in the file where the row starts (the header is line 1). */
  line: number;
  address: string | null;
  field: string;
  reason: string;
}

export interface ParsedImport {
  rows: Array<{ line: number; host: ValidHost }>;
  failed: ImportRowProblem[];
}

/**
 * Throws INVALID_INPUT only for a file that cannot be read at all (no header, unknown
 * columns, a quoted field never closed).
 */
export function parseHostImport(text: string, maxRows = 100_000): ParsedImport {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header)
    throw invalidInput('the CSV is empty: expected a header row', {
      details: { field: 'csv', expected: IMPORT_COLUMNS },
    });
  const cols = header.fields.map((f) =>
    f
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const unknown = cols.filter((c) => !(IMPORT_COLUMNS as readonly string[]).includes(c));
  if (unknown.length)
    throw invalidInput(`unknown CSV column(s): ${unknown.join(', ')}`, {
      details: { field: 'csv.header', value: unknown, expected: IMPORT_COLUMNS },
    });
  for (const required of ['address', 'management_account'] as const)
    if (!cols.includes(required))
      throw invalidInput(`the CSV header has no ${required} column`, {
        details: { field: 'csv.header', value: cols, expected: IMPORT_COLUMNS },
      });
  if (records.length > maxRows)
    throw invalidInput(`the CSV has ${records.length} rows; at most ${maxRows} per import`, {
      details: { field: 'csv', value: records.length, expected: `<= ${maxRows} rows` },
    });
  const out: ParsedImport = { rows: [], failed: [] };
  const seen = new Map<string, number>();
  for (const rec of records) {
    const get = (c: Column): string | undefined => {
      const i = cols.indexOf(c);
      const v = i >= 0 ? rec.fields[i] : undefined;
      return v === undefined || v.trim() === ''
        ? undefined
        : c === 'password' || c === 'private_key'
          ? v
          : v.trim();
    };
    const address = get('address') ?? null;
    const fail = (field: string, reason: string) =>
      out.failed.push({ line: rec.line, address, field, reason });
    if (rec.fields.length !== cols.length) {
      fail('(row)', `has ${rec.fields.length} fields, the header has ${cols.length}`);
      continue;
    }
    const portText = get('port');
    const port =
      portText === undefined ? undefined : /^\d+$/.test(portText) ? Number(portText) : NaN;
    const checked = checkNewHost(
      {
        address: address ?? '',
        ...(port !== undefined ? { port } : {}),
        managementAccount: get('management_account') ?? '',
        ...(get('name') !== undefined ? { name: get('name') } : {}),
        ...(get('password') !== undefined ? { password: get('password') } : {}),
        ...(get('private_key') !== undefined ? { privateKey: get('private_key') } : {}),
        ...(get('host_key_fingerprint') !== undefined
          ? { hostKeyFingerprint: get('host_key_fingerprint') }
          : {}),
        ...(get('group_id') !== undefined ? { groupId: get('group_id') } : {}),
      },
      { requireCredential: true },
    );
    if (!checked.ok) {
      const p = checked.problem;
      const value =
        p.value === '(hidden)' || p.value === undefined || p.value === null
          ? ''
          : ` (${JSON.stringify(p.value)})`;
      fail(toColumn(p.field), `${p.reason}${value}`);
      continue;
    }
    const key = `${checked.host.address}:${checked.host.port}`;
    const first = seen.get(key);
    if (first !== undefined) {
      fail('address', `${key} is already on line ${first} of this file`);
      continue;
    }
    seen.set(key, rec.line);
    out.rows.push({ line: rec.line, host: checked.host });
  }
  return out;
}

const toColumn = (field: string): string =>
  ({
    managementAccount: 'management_account',
    privateKey: 'private_key',
    hostKeyFingerprint: 'host_key_fingerprint',
    groupId: 'group_id',
  })[field] ?? field;
