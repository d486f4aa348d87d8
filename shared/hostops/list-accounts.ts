import { notFound } from '../errors';
import type { Account, Group, HostSession } from '../session/host-session';

export interface AccountInventory {
  accounts: (Account & { groups: string[] })[];
  groups: Group[];
}

/** Accounts with their group names (primary first), as sshd's Match Group would see them. */
export async function listAccounts(session: HostSession): Promise<AccountInventory> {
  const [accounts, groups] = await Promise.all([session.listAccounts(), session.listGroups()]);
  const byGid = new Map(groups.map((g) => [g.gid, g.name]));
  return {
    groups,
    accounts: accounts.map((a) => {
      const primary = byGid.get(a.gid);
      const extra = groups.filter((g) => g.members.includes(a.name) && g.name !== primary);
      return { ...a, groups: [...(primary ? [primary] : []), ...extra.map((g) => g.name)] };
    }),
  };
}

/** The account by name, or NOT_FOUND naming it. */
export async function findAccount(session: HostSession, name: string): Promise<Account> {
  const account = (await session.listAccounts()).find((a) => a.name === name);
  if (!account) {
    throw notFound(`no account ${JSON.stringify(name)} on ${session.description}`, {
      details: { field: 'account', value: name },
    });
  }
  return account;
}
