/** Weak keys: RSA under a size, and types that should no longer be used (DSA by default). */
import { Type } from '@sinclair/typebox';
import type { HostRule } from '../policy-types';
import { hostObject } from '../policy-types';
import { itemObject, keysOf, plainType, typeAndBits, whereIs } from './key-facts';

export const weakKeyRule: HostRule<'weak-key'> = {
  kind: 'weak-key',
  scope: 'host',
  needs: [],
  params: Type.Object({
    rsaMinBits: Type.Integer({
      minimum: 1024,
      maximum: 16384,
      description: 'RSA keys under this size are weak',
    }),
    deprecatedTypes: Type.Array(Type.String({ minLength: 1 }), {
      maxItems: 32,
      description: 'key types that are weak whatever their size, e.g. ssh-dss',
    }),
  }),
  explain: (r) =>
    `RSA keys under ${r.rsaMinBits} bits${r.deprecatedTypes.length ? ` and keys of type ${r.deprecatedTypes.join(', ')}` : ''}, authorized or stored`,
  evaluate(rule, host) {
    return keysOf(host).flatMap((item) => {
      const { type, bits } = typeAndBits(item);
      const plain = plainType(type);
      let why: string | null = null;
      if (
        type !== null &&
        (rule.deprecatedTypes.includes(type) ||
          (plain !== null && rule.deprecatedTypes.includes(plain)))
      )
        why = `of deprecated type ${type}`;
      else if (plain === 'ssh-rsa' && bits !== null && bits < rule.rsaMinBits)
        why = `RSA of ${bits} bits (under ${rule.rsaMinBits})`;
      if (why === null) return [];
      return [
        {
          object: hostObject(host.hostId, itemObject(item)),
          account: item.account,
          fingerprint: item.fingerprint,
          message: `key ${item.fingerprint ?? '(unknown)'} ${why} is ${whereIs(item)} on host ${host.hostName}`,
          extra: { keyType: type, bits },
        },
      ];
    });
  },
};
