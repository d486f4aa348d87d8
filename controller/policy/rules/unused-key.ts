/** Authorized keys nobody logged in with for N days (key activity from the auth logs). */
import { Type } from '@sinclair/typebox';
import { DAY_MS, hostObject, type HostRule } from '../policy-types';
import { itemObject, whereIs } from './key-facts';

export const unusedKeyRule: HostRule<'unused-key'> = {
  kind: 'unused-key',
  scope: 'host',
  needs: ['usage'],
  params: Type.Object({
    days: Type.Integer({ minimum: 1, maximum: 3650, description: 'unused for this many days' }),
  }),
  explain: (r) => `authorized keys not used to log in for ${r.days} days`,
  evaluate(rule, host, _fleet, now) {
    const since = now - rule.days * DAY_MS;
    const lastUse = new Map<string, number>();
    for (const u of host.usage) {
      const k = `${u.account}\0${u.fingerprint}`;
      if ((lastUse.get(k) ?? 0) < u.lastUsedAt) lastUse.set(k, u.lastUsedAt);
    }
    return host.authorizedKeys.flatMap((item) => {
      // a key added less than N days ago has not had N days to be used
      if (item.firstSeenAt > since || item.fingerprint === null) return [];
      const last = lastUse.get(`${item.account ?? ''}\0${item.fingerprint}`);
      if (last !== undefined && last >= since) return [];
      const lastSaid =
        last === undefined ? 'never used' : `last used ${new Date(last).toISOString()}`;
      return [
        {
          object: hostObject(host.hostId, itemObject(item)),
          account: item.account,
          fingerprint: item.fingerprint,
          message: `key ${item.fingerprint} ${whereIs(item)} on host ${host.hostName} has not been used for ${rule.days} days (${lastSaid})`,
          extra: { lastUsedAt: last ?? null, days: rule.days },
        },
      ];
    });
  },
};
