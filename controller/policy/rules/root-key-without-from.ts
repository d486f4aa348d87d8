/**
 * Root reachable by a key from anywhere: a line without from= that sshd would accept for
 * root, decided by effective access (PermitRootLogin, Match blocks, Allow/Deny, the line's
 * other options), not by the file alone.
 */
import { Type } from '@sinclair/typebox';
import { keyAccessOfAccount } from '../../access/effective-access';
import { hostObject, type HostRule } from '../policy-types';
import { itemObject } from './key-facts';

/** A documentation address (RFC 5737): a line with from= does not admit it, one without does. */
const ANYWHERE = '203.0.113.77';

export const rootKeyWithoutFromRule: HostRule<'root-key-without-from'> = {
  kind: 'root-key-without-from',
  scope: 'host',
  needs: ['config', 'root-account'],
  params: Type.Object({}),
  explain: () => 'keys that let anyone log in as root from any address (no from= on the line)',
  evaluate(_rule, host, _fleet, now) {
    const lines = host.authorizedKeys.filter(
      (k) => k.account === 'root' && !k.data.options.some((o) => o.name.toLowerCase() === 'from'),
    );
    if (lines.length === 0) return [];
    const access = keyAccessOfAccount(
      host.config,
      host.rootAccount
        ? {
            name: 'root',
            uid: host.rootAccount.uid,
            groups: host.rootAccount.groups,
            home: host.rootAccount.home,
          }
        : { name: 'root', uid: 0, groups: ['root'], home: '/root' },
      lines,
      ANYWHERE,
      now,
    );
    if (access.denied !== null) return [];
    const open = new Set(access.keys.filter((k) => k.canLogIn).map((k) => k.fingerprint));
    return lines.flatMap((item) =>
      item.fingerprint !== null && open.has(item.fingerprint)
        ? [
            {
              object: hostObject(host.hostId, itemObject(item)),
              account: 'root',
              fingerprint: item.fingerprint,
              message: `root on host ${host.hostName} can be logged into from any address with key ${item.fingerprint} (${item.data.file} line ${item.data.line} has no from=)`,
              extra: { file: item.data.file, line: item.data.line },
            },
          ]
        : [],
    );
  },
};
