/** Authorizations that expire within N days: someone should renew them or let them go. */
import { Type } from '@sinclair/typebox';
import { DAY_MS, type FleetRule } from '../policy-types';

export const expiringAuthorizationRule: FleetRule<'expiring-authorization'> = {
  kind: 'expiring-authorization',
  scope: 'fleet',
  params: Type.Object({
    days: Type.Integer({ minimum: 1, maximum: 3650, description: 'expires within this many days' }),
  }),
  explain: (r) => `authorizations that expire within ${r.days} days`,
  evaluate(rule, a, now) {
    if (a.state !== 'active' || a.expiresAt === null) return [];
    if (a.expiresAt > now + rule.days * DAY_MS) return [];
    const target = 'hostId' in a.target ? `host ${a.target.hostId}` : `group ${a.target.groupId}`;
    const days = Math.max(0, Math.ceil((a.expiresAt - now) / DAY_MS));
    return [
      {
        object: `authorization:${a.id}`,
        account: a.account,
        fingerprint: a.fingerprint,
        authorizationId: a.id,
        ...('hostId' in a.target ? { hostId: a.target.hostId } : { groupId: a.target.groupId }),
        message: `authorization ${a.id} (key ${a.fingerprint} as ${a.account} on ${target}) expires in ${days} day(s), at ${new Date(a.expiresAt).toISOString()}`,
        extra: { expiresAt: a.expiresAt },
      },
    ];
  },
};
