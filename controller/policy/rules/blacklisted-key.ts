/** Blacklisted keys still authorized or stored on a host. */
import { Type } from '@sinclair/typebox';
import { hostObject, type HostRule } from '../policy-types';
import { itemObject, keysOf, whereIs } from './key-facts';

export const blacklistedKeyRule: HostRule<'blacklisted-key'> = {
  kind: 'blacklisted-key',
  scope: 'host',
  needs: [],
  params: Type.Object({}),
  explain: () => 'blacklisted keys still authorized or stored on a host',
  evaluate(_rule, host, fleet) {
    if (fleet.blacklist.size === 0) return [];
    return keysOf(host).flatMap((item) => {
      const entry = item.fingerprint === null ? undefined : fleet.blacklist.get(item.fingerprint);
      if (!entry) return [];
      return [
        {
          object: hostObject(host.hostId, itemObject(item)),
          account: item.account,
          fingerprint: item.fingerprint,
          message: `blacklisted key ${item.fingerprint} (${entry.reason}) is ${whereIs(item)} on host ${host.hostName}`,
        },
      ];
    });
  },
};
