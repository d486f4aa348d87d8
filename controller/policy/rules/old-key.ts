/**
 * Private keys older than N days (since first seen): rotation is due. The fix offered is
 * the renew-private-key job, named in the alert so an operator knows what to run.
 */
import { Type } from '@sinclair/typebox';
import { DAY_MS, hostObject, type HostRule } from '../policy-types';
import { itemObject, whereIs } from './key-facts';
import { renewPrivateKey } from '../../jobs/renew-private-key';

export const oldKeyRule: HostRule<'old-key'> = {
  kind: 'old-key',
  scope: 'host',
  needs: [],
  params: Type.Object({
    days: Type.Integer({ minimum: 1, maximum: 36500, description: 'older than this many days' }),
  }),
  explain: (r) => `private keys first seen more than ${r.days} days ago (fix: renew-private-key)`,
  evaluate(rule, host, _fleet, now) {
    const before = now - rule.days * DAY_MS;
    return host.privateKeys.flatMap((item) => {
      if (item.firstSeenAt >= before) return [];
      const age = Math.floor((now - item.firstSeenAt) / DAY_MS);
      return [
        {
          object: hostObject(host.hostId, itemObject(item)),
          account: item.account,
          fingerprint: item.fingerprint,
          message: `private key ${item.fingerprint ?? '(unknown)'} ${whereIs(item)} on host ${host.hostName} was first seen ${age} days ago (rotate after ${rule.days}): renew it with the ${renewPrivateKey.type} job`,
          extra: { firstSeenAt: item.firstSeenAt, fix: renewPrivateKey.type, path: item.data.path },
        },
      ];
    });
  },
};
