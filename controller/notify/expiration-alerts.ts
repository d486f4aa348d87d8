/**
 * Expiry warnings as alerts (type `expiry`), so they show in the alert list and go out
 * through the email pipeline like any other: one alert per object and lead time (dedupe
 * key `expiry:<kind>:<id>:<lead>`), raised once when the object comes within that lead
 * time, resolved when a nearer warning replaces it or the object no longer expires then
 * (renewed, removed). An object already past its expiry gets `expired` (critical).
 */
import type { JobContext } from '../engine/job-definition';
import type { AlertSeverity } from '../store/records';
import type { ExpiringThing } from './expiration-sources';

export const EXPIRY_ALERT = 'expiry';
const DAY = 86_400_000;

const leadLabel = (ms: number): string =>
  ms % DAY === 0 ? `${ms / DAY}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms}ms`;

const inWords = (ms: number): string =>
  ms >= DAY
    ? `${Math.floor(ms / DAY)} d ${Math.floor((ms % DAY) / 3_600_000)} h`
    : `${Math.max(1, Math.round(ms / 60_000))} min`;

/** The nearest lead time the object is within (leads longest first), or 'expired'. */
export function warningFor(
  thing: ExpiringThing,
  leads: readonly number[],
  now: number,
): { label: string; severity: AlertSeverity } | null {
  const left = thing.expiresAt - now;
  if (left <= 0) return { label: 'expired', severity: 'critical' };
  const within = leads.filter((l) => left <= l);
  const nearest = within[within.length - 1];
  if (nearest === undefined) return null;
  // The last warning before the expiry is critical; earlier ones are warnings.
  return {
    label: leadLabel(nearest),
    severity: nearest === leads[leads.length - 1] ? 'critical' : 'warning',
  };
}

export async function applyExpiryAlerts(
  ctx: JobContext,
  things: readonly ExpiringThing[],
  leads: readonly number[],
  now: number,
): Promise<{ warned: number; raised: number; resolved: number }> {
  const current = new Set<string>();
  let raised = 0;
  for (const t of things) {
    const w = warningFor(t, leads, now);
    if (!w) continue;
    const dedupeKey = `${EXPIRY_ALERT}:${t.kind}:${t.id}:${w.label}`;
    current.add(dedupeKey);
    const when = new Date(t.expiresAt).toISOString();
    const { created } = await ctx.store.alerts.raise(
      {
        type: EXPIRY_ALERT,
        severity: w.severity,
        subject:
          w.label === 'expired'
            ? `expired: ${t.what}`
            : `expires in ${inWords(t.expiresAt - now)}: ${t.what}`,
        message:
          w.label === 'expired'
            ? `${t.what} expired at ${when}.`
            : `${t.what} expires at ${when} (warning ${w.label} ahead).`,
        dedupeKey,
        context: {
          ...t.context,
          extra: { ...t.context.extra, kind: t.kind, expiresAt: when, lead: w.label },
        },
      },
      now,
    );
    if (created) raised++;
  }
  let resolved = 0;
  let after: string | undefined;
  do {
    const page = await ctx.store.alerts.list(
      { state: ['open'], type: EXPIRY_ALERT },
      { limit: 500, after },
    );
    for (const a of page.items) {
      if (current.has(a.dedupeKey)) continue;
      await ctx.store.alerts.setState(a.id, 'resolved', now, {
        reason:
          'no longer expiring within this lead time (renewed, removed, or a nearer warning is open)',
        by: ctx.job.type,
      });
      resolved++;
    }
    after = page.nextCursor ?? undefined;
  } while (after);
  return { warned: current.size, raised, resolved };
}
