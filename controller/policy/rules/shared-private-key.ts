/** One private key (by fingerprint) stored on more than N hosts: one alert per copy. */
import { Type } from '@sinclair/typebox';
import { hostObject, type HostRule } from '../policy-types';
import { itemObject, whereIs } from './key-facts';

export const sharedPrivateKeyRule: HostRule<'shared-private-key'> = {
  kind: 'shared-private-key',
  scope: 'host',
  needs: [],
  params: Type.Object({
    maxHosts: Type.Integer({
      minimum: 1,
      maximum: 100000,
      description: 'stored on more hosts than this',
    }),
  }),
  explain: (r) => `a private key stored on more than ${r.maxHosts} host(s)`,
  evaluate(rule, host, fleet) {
    return host.privateKeys.flatMap((item) => {
      if (item.fingerprint === null) return [];
      const hosts = fleet.privateKeyHosts(item.fingerprint);
      if (hosts <= rule.maxHosts) return [];
      return [
        {
          object: hostObject(host.hostId, itemObject(item)),
          account: item.account,
          fingerprint: item.fingerprint,
          message: `private key ${item.fingerprint} ${whereIs(item)} on host ${host.hostName} is stored on ${hosts} hosts (more than ${rule.maxHosts})`,
          extra: { hosts },
        },
      ];
    });
  },
};
