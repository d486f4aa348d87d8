import type { Account, Group } from './host-session';

/** Parses /etc/passwd; malformed lines are skipped, as getpwent(3) does. */
export function parsePasswd(text: string): Account[] {
  const accounts: Account[] = [];
  for (const line of text.split('\n')) {
    if (
      line.trim() === '' ||
      line.startsWith('#') ||
      line.startsWith('+') ||
      line.startsWith('-')
    ) {
      continue;
    }
    const [name, , uid, gid, gecos, home, shell] = line.split(':');
    if (!name || uid === undefined || gid === undefined || home === undefined) continue;
    const uidNum = Number(uid);
    const gidNum = Number(gid);
    if (!Number.isInteger(uidNum) || !Number.isInteger(gidNum)) continue;
    accounts.push({ name, uid: uidNum, gid: gidNum, gecos: gecos ?? '', home, shell: shell ?? '' });
  }
  return accounts;
}

/** Parses /etc/group: name, gid and the supplementary members. */
export function parseGroup(text: string): Group[] {
  const groups: Group[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, , gid, members] = line.split(':');
    const gidNum = Number(gid);
    if (!name || gid === undefined || gid === '' || !Number.isInteger(gidNum)) continue;
    groups.push({ name, gid: gidNum, members: (members ?? '').split(',').filter(Boolean) });
  }
  return groups;
}
