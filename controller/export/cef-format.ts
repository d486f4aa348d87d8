/**
 * ArcSight Common Event Format (CEF 0): `CEF:0|Vendor|Product|Version|SignatureID|Name|
 * Severity|Extension`. Header fields escape `\` and `|`; extension values escape `\`, `=`
 * and line breaks. `externalId` carries the event id (the receiver's dedupe key).
 */
import { SEVERITY, type ExportEvent } from './export-event';

const VERSION = '0.1.0';
const header = (v: string) => v.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
const ext = (v: string) =>
  v
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r\n|\n/g, '\\n')
    .replace(/\r/g, '\\r');

export function formatCef(e: ExportEvent): string {
  const fields: [string, string | undefined][] = [];
  let signature: string;
  let name: string;
  let severity: number;
  if (e.feed === 'alerts') {
    const a = e.alert.alert;
    const c = a.context;
    signature = `alert:${a.type}:${e.alert.kind}`;
    name = a.message;
    severity = SEVERITY[a.severity]?.cef ?? 5;
    fields.push(
      ['act', e.alert.kind],
      ['outcome', a.state],
      ['cs1Label', 'alertId'],
      ['cs1', a.id],
      ['cs2Label', 'subject'],
      ['cs2', a.subject],
      ['dhost', c.hostName ?? c.hostId],
      ['duser', c.account],
      ['cs3Label', 'fingerprint'],
      ['cs3', c.fingerprint],
      ['cs4Label', 'policyId'],
      ['cs4', c.policyId],
      ['cs5Label', 'groupId'],
      ['cs5', c.groupId],
      ['cs6Label', 'reason'],
      ['cs6', a.stateReason ?? undefined],
    );
  } else {
    const x = e.audit;
    signature = `audit:${x.action}`;
    name = `${x.action} ${x.subject}`;
    severity = 3;
    fields.push(
      ['act', x.action],
      ['suser', x.actor],
      ['cs1Label', 'subject'],
      ['cs1', x.subject],
      ['cs2Label', 'details'],
      ['cs2', JSON.stringify(x.details)],
    );
  }
  const extension = [
    ['rt', String(e.at)] as const,
    ['externalId', e.id] as const,
    ...fields.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== ''),
  ]
    .map(([k, v]) => `${k}=${ext(v)}`)
    .join(' ');
  return `CEF:0|Keywarden|Keywarden|${VERSION}|${header(signature)}|${header(name)}|${severity}|${extension}`;
}
