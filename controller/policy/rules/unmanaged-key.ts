/** Authorized keys no authorization covers: access someone gave by hand (coverage.ts decides). */
import { Type } from '@sinclair/typebox';
import { hostObject, type HostRule } from '../policy-types';
import { itemObject, whereIs } from './key-facts';

export const unmanagedKeyRule: HostRule<'unmanaged-key'> = {
  kind: 'unmanaged-key',
  scope: 'host',
  needs: ['coverage'],
  params: Type.Object({}),
  explain: () => 'authorized keys not covered by any authorization (unmanaged access)',
  evaluate(_rule, host) {
    return host.authorizedKeys.flatMap((item) =>
      host.coveredBy.get(item.key)
        ? []
        : [
            {
              object: hostObject(host.hostId, itemObject(item)),
              account: item.account,
              fingerprint: item.fingerprint,
              message: `key ${item.fingerprint ?? '(unknown)'} ${whereIs(item)} on host ${host.hostName} is not covered by any authorization`,
            },
          ],
    );
  },
};
