/**
 * The text of a notification: one message per recipient and digest, in plain text and
 * HTML (multipart/alternative). For a policy alert it names the host, the account, the
 * key fingerprint and the policy; every value from the inventory is escaped in HTML.
 * A digest lists at most `maxAlerts` changes in full and counts the rest, so a flood of
 * alerts is one readable message, not thousands.
 */
import type { AlertEvent, AlertSeverity } from '../store/records';
import { SEVERITY_RANK } from './email-routing';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Subject lines carry no line breaks (a header injection) and stay short. */
const oneLine = (s: string, max = 120): string => {
  const flat = s.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** The facts a reader acts on: what, where, who, which key, which rule. */
function facts(e: AlertEvent): Array<[string, string]> {
  const c = e.alert.context;
  const out: Array<[string, string]> = [];
  if (c.hostName || c.hostId)
    out.push([
      'Host',
      c.hostName && c.hostId ? `${c.hostName} (${c.hostId})` : (c.hostName ?? c.hostId ?? ''),
    ]);
  if (c.account) out.push(['Account', c.account]);
  if (c.fingerprint) out.push(['Key', c.fingerprint]);
  if (c.policyId) out.push(['Policy', c.policyId]);
  if (c.groupId) out.push(['Host group', c.groupId]);
  if (c.authorizationId) out.push(['Authorization', c.authorizationId]);
  for (const [k, v] of Object.entries(c.extra ?? {})) if (v !== null) out.push([k, String(v)]);
  out.push(['Alert', `${e.alert.id} (${e.alert.type}, ${e.kind} ${new Date(e.at).toISOString()})`]);
  return out;
}

function countBySeverity(events: readonly AlertEvent[]): string {
  const n: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
  for (const e of events) n[e.alert.severity]++;
  return (['critical', 'warning', 'info'] as const)
    .filter((s) => n[s] > 0)
    .map((s) => `${n[s]} ${s}`)
    .join(', ');
}

export function renderDigest(events: readonly AlertEvent[], maxAlerts: number): RenderedEmail {
  // Worst first, then in feed order: the reader sees what matters at the top.
  const ordered = [...events].sort(
    (a, b) => SEVERITY_RANK[b.alert.severity] - SEVERITY_RANK[a.alert.severity],
  );
  const shown = ordered.slice(0, maxAlerts);
  const hidden = ordered.length - shown.length;
  const first = ordered[0]!;
  const subject =
    events.length === 1
      ? oneLine(
          `[Keywarden] ${first.alert.severity.toUpperCase()} ${first.kind}: ${first.alert.subject}`,
        )
      : oneLine(`[Keywarden] ${events.length} alert changes (${countBySeverity(events)})`);
  const more =
    hidden > 0
      ? `… and ${hidden} more alert changes not listed here (keywarden alerts list --state open).`
      : '';
  const text = [
    events.length === 1
      ? 'Keywarden reports an alert change:'
      : `Keywarden reports ${events.length} alert changes (${countBySeverity(events)}):`,
    '',
    ...shown.flatMap((e) => [
      `${e.alert.severity.toUpperCase()} ${e.kind}: ${oneLine(e.alert.subject, 200)}`,
      `  ${e.alert.message.replace(/\r?\n/g, '\n  ')}`,
      ...facts(e).map(([k, v]) => `  ${k}: ${v}`),
      '',
    ]),
    ...(more ? [more, ''] : []),
    'Sent by Keywarden. Who receives which alerts: keywarden notifications rules list.',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>${escapeHtml(events.length === 1 ? 'Keywarden reports an alert change:' : `Keywarden reports ${events.length} alert changes (${countBySeverity(events)}):`)}</p>`,
    ...shown.map(
      (e) =>
        `<h3>${escapeHtml(`${e.alert.severity.toUpperCase()} ${e.kind}: ${e.alert.subject}`)}</h3>` +
        `<p>${escapeHtml(e.alert.message)}</p><table>` +
        facts(e)
          .map(
            ([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
          )
          .join('') +
        '</table>',
    ),
    ...(more ? [`<p>${escapeHtml(more)}</p>`] : []),
    '<p><small>Sent by Keywarden. Who receives which alerts: keywarden notifications rules list.</small></p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
