/**
 * One exported event: an alert change or an audit entry, with the id every message
 * carries (`alert-<cursor>`, `audit-<cursor>`), stable across resends so a receiver can
 * drop a duplicate (delivery is at least once; docs/siem-export.md).
 */
import type { AlertEvent, AuditRecord } from '../store/records';

export type ExportEvent =
  | { id: string; feed: 'alerts'; cursor: string; at: number; alert: AlertEvent }
  | { id: string; feed: 'audit'; cursor: string; at: number; audit: AuditRecord };

export const alertExportEvent = (e: AlertEvent): ExportEvent => ({
  id: `alert-${e.cursor}`,
  feed: 'alerts',
  cursor: e.cursor,
  at: e.at,
  alert: e,
});

export const auditExportEvent = (cursor: string, entry: AuditRecord): ExportEvent => ({
  id: `audit-${cursor}`,
  feed: 'audit',
  cursor,
  at: entry.at,
  audit: entry,
});

/** 0..10 (CEF) and the syslog severity of an alert's severity. */
export const SEVERITY: Record<string, { cef: number; syslog: number; ocsf: number }> = {
  info: { cef: 3, syslog: 6, ocsf: 1 },
  warning: { cef: 6, syslog: 4, ocsf: 3 },
  critical: { cef: 9, syslog: 2, ocsf: 5 },
};
