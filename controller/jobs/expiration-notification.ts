import { applyExpiryAlerts } from '../notify/expiration-alerts';
import { expiringThings } from '../notify/expiration-sources';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's "Expiration notification: notify configured users about passwords and
 * certificates close to expiration". Warns, by the lead times of
 * KEYWARDEN_EXPIRY_WARN_LEAD_TIMES (30d,7d,1d), before authorizations, agent certificates,
 * the agent CA certificate and authorized keys with expiry-time= expire, by raising
 * `expiry` alerts: the Email sender robot mails them by the notification rules, and they
 * are in the alert list like every other.
 */
export const expirationNotification = defineInternalRobot({
  type: 'expiration-notification',
  describe: 'Raises expiry alerts ahead of authorizations, certificates and keys expiring',
  intervalMs: 3_600_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const now = ctx.now();
    const leads = ctx.config.expiryWarnLeadTimes;
    const things = await expiringThings(ctx.store, ctx.config, now + (leads[0] ?? 0));
    return { expiring: things.length, ...(await applyExpiryAlerts(ctx, things, leads, now)) };
  },
});
