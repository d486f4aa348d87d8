/**
 * How a person names the target in the SSH user name: `account@host`, so the whole command
 * is `ssh -p PORT account@host@gateway` (ssh splits at the last `@`: the user name it sends
 * is `account@host`). `host` is a host's id, name or address as Keywarden records it.
 */
import { invalidInput } from '../../shared/errors';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';

const ACCOUNT = /^[a-z_][a-z0-9_.-]*\$?$/i;

export interface TargetName {
  account: string;
  host: string;
}

export function parseTargetName(user: string): TargetName {
  const at = user.indexOf('@');
  const account = at > 0 ? user.slice(0, at) : '';
  const host = at > 0 ? user.slice(at + 1) : '';
  if (!account || !host || !ACCOUNT.test(account) || account.length > 64 || host.length > 253)
    throw invalidInput(
      `name the target as account@host in the user name (ssh -p PORT account@host@gateway), not ${JSON.stringify(user.slice(0, 100))}`,
      { details: { field: 'user', value: user.slice(0, 100), expected: 'account@host' } },
    );
  return { account, host };
}

/** The registered host named: by id, else the one host with that name or address. */
export async function resolveTargetHost(
  store: Pick<Store, 'hosts'>,
  name: string,
): Promise<HostRecord | null> {
  const byId = await store.hosts.get(name);
  if (byId) return byId;
  const found: HostRecord[] = [];
  let after: string | undefined;
  do {
    const page = await store.hosts.list({}, { limit: 500, ...(after ? { after } : {}) });
    found.push(...page.items.filter((h) => h.name === name || h.address === name));
    after = page.nextCursor ?? undefined;
  } while (after);
  // Two hosts with one name or address: the person must use the id, never a guess.
  return found.length === 1 ? (found[0] as HostRecord) : null;
}
