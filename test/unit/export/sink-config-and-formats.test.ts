import { describe, expect, it } from 'vitest';
import { formatCef } from '../../../controller/export/cef-format';
import { auditExportEvent } from '../../../controller/export/export-event';
import { parseExportSinks } from '../../../controller/export/sink-config';

describe('export sink settings', () => {
  it('names the sink and the field that is wrong', () => {
    expect(() =>
      parseExportSinks('[{"id":"a","format":"xml","url":"file:///x"}]', 'exportSinks'),
    ).toThrow(/sink 0: \/format/);
    expect(() => parseExportSinks('{}', 'exportSinks')).toThrow(/a JSON array of sinks/);
    expect(() =>
      parseExportSinks('[{"id":"h","format":"cef","url":"https://siem.example/x"}]', 'exportSinks'),
    ).toThrow(/sink h: tokenFile for an HTTP sink/);
    const two =
      '[{"id":"a","format":"cef","url":"file:///x"},{"id":"a","format":"cef","url":"file:///y"}]';
    expect(() => parseExportSinks(two, 'exportSinks')).toThrow(/unique: a twice/);
    expect(
      parseExportSinks('[{"id":"s","format":"ocsf","url":"syslog+tls://siem:6514"}]', 'x'),
    ).toEqual([{ id: 's', format: 'ocsf', url: 'syslog+tls://siem:6514' }]);
  });
});

describe('CEF', () => {
  it('escapes header and extension values so a field cannot forge another', () => {
    const e = auditExportEvent('7', {
      id: 'a1',
      at: 1000,
      actor: 'token:ops#1',
      action: 'host|x',
      subject: 'a=b\\c\nd',
      details: {},
    });
    const line = formatCef(e);
    expect(line.startsWith('CEF:0|Keywarden|Keywarden|')).toBe(true);
    expect(line).toContain('|audit:host\\|x|host\\|x a=b\\\\c d|3|');
    expect(line).toContain('rt=1000 externalId=audit-7 act=host|x suser=token:ops#1');
    expect(line).toContain('cs1=a\\=b\\\\c\\nd');
    expect(line).not.toContain('\n');
  });
});
