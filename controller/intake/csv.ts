/**
 * RFC 4180 CSV read by csv-parse: comma separated, fields in double quotes may hold commas,
 * quotes ("") and line breaks (a private key). Each record keeps the line it started on,
 * for reports.
 */
import { parse } from 'csv-parse/sync';
import { invalidInput } from '../../shared/errors';

export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Throws INVALID_INPUT, naming the line, for a file whose quoting cannot be read (a quote
 * never closed): past that point no row boundary can be trusted.
 */
export function parseCsv(text: string): CsvRecord[] {
  // One line-break style before parsing: csv-parse picks a single record delimiter per
  // file and miscounts lines for CRLF inside quoted fields, and the report needs the lines.
  // A line break inside a quoted field becomes \n (what a private key file holds).
  const lf = text.replace(/\r\n?/g, '\n');
  let lastLine = 0;
  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    rows = parse(lf, {
      bom: true,
      info: true,
      record_delimiter: '\n',
      // A row with the wrong number of fields is reported by the importer, not refused here.
      relax_column_count: true,
      // A quote inside an unquoted field (pa"ss) is part of the value, as people write it.
      relax_quotes: true,
      skip_empty_lines: true,
      on_record: (record, context) => {
        lastLine = context.lines;
        return record;
      },
      // With info, each row comes back as { record, info }.
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    // Our own words, not csv-parse's message: that may quote a field, and fields hold secrets.
    const code = (err as { code?: string }).code ?? 'CSV_ERROR';
    const what =
      code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'has a quoted field that is never closed'
        : `cannot be read (${code})`;
    throw invalidInput(`the CSV row after line ${lastLine} ${what}`, {
      details: { field: 'csv', line: lastLine + 1, value: code, expected: 'RFC 4180 CSV' },
    });
  }
  return (
    rows
      // info.lines is the line the record ends on; its fields' line breaks say where it began.
      .map(({ record, info }) => ({
        line: info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0),
        fields: record,
      }))
      // A line of blanks only is no record.
      .filter((r) => !(r.fields.length === 1 && r.fields[0]?.trim() === ''))
  );
}
