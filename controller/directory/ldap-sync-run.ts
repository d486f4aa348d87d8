/**
 * One run of ldap-sync: read the whole directory, then create or update a person for each
 * user (keys from sshPublicKey, group memberships), mark `left` every person the directory
 * no longer lists or lists as disabled, and queue access-groups-processing so the grants
 * follow at once. A failed read changes nothing (read-directory.ts throws before any write).
 */
import { directoryUnavailable } from '../../shared/errors';
import type { JobContext } from '../engine/job-definition';
import { secretBoxFor } from '../secrets/secret-boxes';
import type { PersonRecord } from '../store/directory-records';
import { newId } from '../store/ids';
import { LDAP_BIND_PASSWORD_CONTEXT } from './ldap-settings';
import { mergeKeys, toPersonKey } from './person-keys';
import { readDirectory, type DirectoryUser } from './read-directory';
import { processAccessGroups, type AccessGroupsResult } from './process-access-groups';

export interface LdapSyncResult {
  skipped?: string;
  users?: number;
  created?: number;
  updated?: number;
  left?: number;
  rejectedKeys?: number;
  access?: AccessGroupsResult;
}

const same = (a: PersonRecord, b: PersonRecord) =>
  JSON.stringify({ ...a, updatedAt: 0 }) === JSON.stringify({ ...b, updatedAt: 0 });

function fromDirectory(
  u: DirectoryUser,
  had: PersonRecord | undefined,
  now: number,
): { person: PersonRecord; rejected: number } {
  const dirKeys = u.sshPublicKeys.map((l) => toPersonKey(l, 'directory'));
  const kept = (had?.keys ?? []).filter((k) => k.source === 'api');
  const state = u.disabled ? 'left' : 'active';
  return {
    rejected: dirKeys.filter((k) => k === null).length,
    person: {
      id: had?.id ?? newId(now),
      directoryId: u.directoryId,
      dn: u.dn,
      uid: u.uid,
      name: u.name,
      email: u.email,
      state,
      keys: mergeKeys([...dirKeys.filter((k) => k !== null), ...kept]),
      groups: u.groups,
      createdAt: had?.createdAt ?? now,
      updatedAt: now,
      leftAt: state === 'left' ? (had?.state === 'left' ? had.leftAt : now) : null,
    },
  };
}

export async function runLdapSync(ctx: JobContext): Promise<LdapSyncResult> {
  const settings = await ctx.store.directory.getLdap();
  if (!settings) return { skipped: 'no directory configured (keywarden directory set)' };
  const password = settings.bindPasswordSealed
    ? secretBoxFor(ctx.config).open(settings.bindPasswordSealed, LDAP_BIND_PASSWORD_CONTEXT)
    : null;
  const users = await readDirectory(settings, password);
  const now = ctx.now();
  const known = new Map((await ctx.store.directory.listPeople()).map((p) => [p.directoryId, p]));
  const active = [...known.values()].filter((p) => p.state === 'active').length;
  if (users.length === 0 && active > 0)
    // A filter or base that matches nobody would otherwise revoke everyone's access at once.
    throw directoryUnavailable(
      `directory ${settings.url} returned no users under ${settings.userBase} for ${settings.userFilter}: refusing to mark ${active} people left`,
      { details: { url: settings.url, userBase: settings.userBase, active } },
    );
  const seen = new Set<string>();
  const result = { users: users.length, created: 0, updated: 0, left: 0, rejectedKeys: 0 };
  const audit = (action: string, p: PersonRecord, details: Record<string, unknown>) =>
    ctx.store.audit.append({
      at: now,
      actor: ctx.job.createdBy,
      action,
      subject: p.id,
      details: { dn: p.dn, jobId: ctx.job.id, ...details },
    });
  for (const u of users) {
    seen.add(u.directoryId);
    const had = known.get(u.directoryId);
    const { person, rejected } = fromDirectory(u, had, now);
    result.rejectedKeys += rejected;
    if (rejected > 0)
      ctx.log.warn({ dn: u.dn, rejected }, 'sshPublicKey values that are no public key skipped');
    if (had && same(had, person)) continue;
    await ctx.store.directory.putPerson(person);
    if (!had) result.created += 1;
    else result.updated += 1;
    if (person.state === 'left' && had?.state !== 'left') {
      result.left += 1;
      await audit('person.left', person, { reason: 'disabled in the directory' });
    } else if (!had) await audit('person.created', person, { groups: person.groups });
    else if (had.groups.join() !== person.groups.join())
      await audit('person.groups-changed', person, { before: had.groups, after: person.groups });
  }
  for (const p of known.values()) {
    if (seen.has(p.directoryId) || p.state === 'left') continue;
    const left: PersonRecord = { ...p, state: 'left', leftAt: now, updatedAt: now };
    await ctx.store.directory.putPerson(left);
    result.left += 1;
    await audit('person.left', left, { reason: 'no longer in the directory' });
  }
  // The grants follow the directory in the same run, not at the next interval.
  const access = await processAccessGroups(ctx);
  return { ...result, access };
}
