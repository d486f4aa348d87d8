/**
 * One run of ldap-sync: read the directory (whole, or only what changed since the last
 * mark: directory-changes.ts), then create or update a person for each user read (keys
 * from sshPublicKey, group memberships), mark `left` every person the directory no longer
 * lists or lists as disabled, and in the same run follow with the access groups (grants),
 * key attribution and account discovery. A failed read changes nothing: the readers throw
 * before any write, and the mark only moves after everything is written.
 */
import { directoryUnavailable } from '../../shared/errors';
import type { JobContext } from '../engine/job-definition';
import { secretBoxFor } from '../secrets/secret-boxes';
import type {
  DirectorySyncStateRecord,
  LdapSettingsRecord,
  PersonRecord,
} from '../store/directory-records';
import { newId } from '../store/ids';
import { discoverAccounts, type AccountDiscoveryResult } from './discover-accounts';
import { attributeKeys, type KeyAttributionResult } from './attribute-keys';
import { readDirectoryChanges } from './directory-changes';
import { DIRECTORY_LIMITS, shownDn, type RefusedEntry } from './directory-limits';
import { groupsOf, normDn } from './group-membership';
import { LDAP_BIND_PASSWORD_CONTEXT, ldapSyncOptions } from './ldap-settings';
import { mergeKeys, toPersonKey } from './person-keys';
import { readFullDirectory, type DirectoryUser } from './read-directory';
import { processAccessGroups, type AccessGroupsResult } from './process-access-groups';

export interface LdapSyncResult {
  skipped?: string;
  mode?: 'full' | 'incremental';
  serverKind?: 'ad' | 'ldap';
  /** Users read whole: all of them on a full sync, those that changed on an incremental one. */
  users?: number;
  created?: number;
  updated?: number;
  left?: number;
  rejectedKeys?: number;
  /** Groups whose nesting went deeper than nestingDepth (the rest was not followed). */
  nestingTooDeep?: string[];
  /** User and group entries refused over a bound (directory-limits.ts): taken as not listed. */
  refusedEntries?: RefusedEntry[];
  /** Users listing more sshPublicKey values than the bound: none of their keys was taken. */
  tooManyKeys?: string[];
  /** How many entries each list above would hold: they name the first 100 only. */
  overBoundCounts?: { refusedEntries: number; tooManyKeys: number };
  /** People keyed by an id of an earlier version (the DN on AD) now keyed by objectGUID. */
  adopted?: number;
  access?: AccessGroupsResult;
  keys?: KeyAttributionResult;
  accounts?: AccountDiscoveryResult;
}

const same = (a: PersonRecord, b: PersonRecord) =>
  JSON.stringify({ ...a, updatedAt: 0 }) === JSON.stringify({ ...b, updatedAt: 0 });

function fromDirectory(
  u: DirectoryUser,
  had: PersonRecord | undefined,
  now: number,
): { person: PersonRecord; rejected: number } {
  const dirKeys = u.sshPublicKeys.map((l) =>
    l.length > DIRECTORY_LIMITS.keyLineChars ? null : toPersonKey(l, 'directory'),
  );
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
      ...(state === 'left' ? { leftReason: 'disabled' as const } : {}),
    },
  };
}

/**
 * What went over a bound this run, audited once when it is new (not again every interval
 * while it lasts). Returns what the sync state keeps: this run's on a full sync (which sees
 * everything), else what was kept before and this run's.
 */
async function auditLimits(
  ctx: JobContext,
  result: Required<Pick<LdapSyncResult, 'refusedEntries' | 'tooManyKeys' | 'nestingTooDeep'>>,
  full: boolean,
  now: number,
): Promise<string[]> {
  const current = [
    ...result.refusedEntries.map((r) => `refused ${r.dn}: ${r.reason}`),
    ...result.tooManyKeys.map(
      (dn) =>
        `keys not taken ${dn}: more than ${DIRECTORY_LIMITS.keysPerPerson} sshPublicKey values`,
    ),
    ...result.nestingTooDeep.map((dn) => `nesting not followed below ${dn}`),
  ];
  const before = (await ctx.store.directory.getSyncState())?.limitsExceeded ?? [];
  const fresh = current.filter((x) => !before.includes(x));
  if (fresh.length > 0) {
    ctx.log.warn({ limitsExceeded: fresh }, 'directory entries over a bound');
    await ctx.store.audit.append({
      at: now,
      actor: ctx.job.createdBy,
      action: 'directory.limits-exceeded',
      subject: ctx.job.type,
      details: { jobId: ctx.job.id, exceeded: fresh.slice(0, 50), count: fresh.length },
    });
  }
  // Kept to be compared with the next run: bounded too, by the same reasoning.
  return [...new Set(full ? current : [...before, ...current])].sort().slice(0, 1000);
}

/** Whether this run may read only the changes, and from which mark. */
export function incrementalFrom(
  settings: LdapSettingsRecord,
  state: DirectorySyncStateRecord | null,
): DirectorySyncStateRecord | null {
  const o = ldapSyncOptions(settings);
  if (!o.incremental || !state || state.settingsUpdatedAt !== settings.updatedAt) return null;
  if (!state.mark || state.runsSinceFull + 1 >= o.fullSyncEvery) return null;
  return state;
}

export async function runLdapSync(ctx: JobContext): Promise<LdapSyncResult> {
  const settings = await ctx.store.directory.getLdap();
  if (!settings) return { skipped: 'no directory configured (keywarden directory set)' };
  const password = settings.bindPasswordSealed
    ? secretBoxFor(ctx.config).open(settings.bindPasswordSealed, LDAP_BIND_PASSWORD_CONTEXT)
    : null;
  const known = new Map((await ctx.store.directory.listPeople()).map((p) => [p.directoryId, p]));
  // People an earlier version keyed by another id (AD: the DN), by that id as a DN compares.
  const byFormerId = new Map(
    [...known.values()]
      .filter((p) => p.state === 'active' || p.leftReason === 'disabled')
      .map((p) => [normDn(p.directoryId), p]),
  );
  const activePeople = [...known.values()].filter((p) => p.state === 'active');
  const refuseEmpty = (found: number) => {
    // A filter or base that matches nobody would otherwise revoke everyone's access at once.
    if (found === 0 && activePeople.length > 0)
      throw directoryUnavailable(
        `directory ${settings.url} returned no users under ${settings.userBase} for ${settings.userFilter}: refusing to mark ${activePeople.length} people left`,
        {
          details: { url: settings.url, userBase: settings.userBase, active: activePeople.length },
        },
      );
  };
  const state = incrementalFrom(settings, await ctx.store.directory.getSyncState());
  const changes = state?.mark
    ? await readDirectoryChanges(
        settings,
        password,
        state.mark,
        new Set(activePeople.flatMap((p) => p.groups)),
      )
    : null;
  // Someone gone who is listed again without a change of their own (moved back into the
  // base) is not among the changes: the directory is read whole. (Disabled people are listed
  // all along and come back through a change, and so does an entry refused over a bound
  // once it is mended: while it stays refused, it does not make every run a full one.)
  const stillRefused = (p: PersonRecord) =>
    (state?.limitsExceeded ?? []).some((x) => x.startsWith(`refused ${shownDn(p.dn)}: `));
  const returned =
    changes !== null &&
    [...changes.present].some((id) => {
      const p = known.get(id);
      return (
        (p === undefined ||
          (p.state === 'left' && p.leftReason !== 'disabled' && !stillRefused(p))) &&
        !changes.changed.some((u) => u.directoryId === id)
      );
    });
  const full = changes === null || returned ? await readFullDirectory(settings, password) : null;
  const serverKind = full?.serverKind ?? (changes?.serverKind as 'ad' | 'ldap');
  const users = full ? full.users : (changes?.changed ?? []);
  const present = full
    ? new Set(full.users.map((u) => u.directoryId))
    : (changes?.present ?? new Set());
  refuseEmpty(present.size);

  const now = ctx.now();
  const result = {
    mode: full ? ('full' as const) : ('incremental' as const),
    serverKind,
    users: users.length,
    created: 0,
    updated: 0,
    left: 0,
    rejectedKeys: 0,
    nestingTooDeep: full?.tooDeep ?? changes?.tooDeep ?? [],
    refusedEntries: full?.refused ?? changes?.refused ?? [],
    tooManyKeys: users.filter((u) => u.tooManyKeys !== undefined).map((u) => u.dn),
    adopted: 0,
  };
  const audit = (action: string, p: PersonRecord, details: Record<string, unknown>) =>
    ctx.store.audit.append({
      at: now,
      actor: ctx.job.createdBy,
      action,
      subject: p.id,
      details: { dn: p.dn, jobId: ctx.job.id, ...details },
    });
  const write = async (person: PersonRecord, had: PersonRecord | undefined, reason: string) => {
    if (had && same(had, person)) return;
    await ctx.store.directory.putPerson(person);
    if (!had) result.created += 1;
    else result.updated += 1;
    if (person.state === 'left' && had?.state !== 'left') {
      result.left += 1;
      await audit('person.left', person, { reason });
    } else if (person.state === 'active' && had?.state === 'left')
      await audit('person.returned', person, { groups: person.groups });
    else if (!had) await audit('person.created', person, { groups: person.groups });
    else if (had.groups.join() !== person.groups.join())
      await audit('person.groups-changed', person, { before: had.groups, after: person.groups });
  };
  /** The person of a user: by id, else one an earlier version keyed by a former id. */
  const personOf = (u: DirectoryUser): PersonRecord | undefined => {
    const had = known.get(u.directoryId);
    if (had) return had;
    for (const former of u.formerIds) {
      const p = byFormerId.get(normDn(former));
      // Not one a user of its own (by id) claims, nor one already adopted this run.
      if (p && !present.has(p.directoryId) && !read.has(p.id)) return p;
    }
    return undefined;
  };
  /** Ids of the people written from a user entry this run. */
  const read = new Set<string>();
  for (const u of users) {
    const had = personOf(u);
    if (had) read.add(had.id);
    const { person, rejected } = fromDirectory(u, had, now);
    result.rejectedKeys += rejected;
    if (rejected > 0)
      ctx.log.warn({ dn: u.dn, rejected }, 'sshPublicKey values that are no public key skipped');
    if (had && had.directoryId !== u.directoryId) {
      result.adopted += 1;
      await audit('person.directory-id-changed', person, {
        before: had.directoryId,
        after: u.directoryId,
      });
    }
    await write(person, had, 'disabled in the directory');
  }
  const refusedAt = new Map(result.refusedEntries.map((r) => [r.dn, r.reason]));
  for (const p of known.values()) {
    if (read.has(p.id)) continue;
    if (!present.has(p.directoryId)) {
      const refused = refusedAt.get(shownDn(p.dn));
      if (p.state !== 'left')
        await write(
          { ...p, state: 'left', leftAt: now, leftReason: 'gone', updatedAt: now },
          p,
          refused ? `directory entry refused: ${refused}` : 'no longer in the directory',
        );
    } else if (changes?.members && !full) {
      // Unchanged themselves, but a group they are (or were) in changed.
      const groups = groupsOf(changes.members, p.dn, p.uid);
      await write({ ...p, groups, updatedAt: now }, p, '');
    }
  }
  const limitsExceeded = await auditLimits(ctx, result, full !== null, now);
  await ctx.store.directory.putSyncState({
    settingsUpdatedAt: settings.updatedAt,
    serverKind,
    mark: full ? full.mark : (changes?.mark ?? null),
    runsSinceFull: full ? 0 : (state?.runsSinceFull ?? 0) + 1,
    lastFullAt: full ? now : (state?.lastFullAt ?? null),
    lastRunAt: now,
    ...(limitsExceeded.length > 0 ? { limitsExceeded } : {}),
  });
  // The grants follow the directory in the same run, not at the next interval.
  const access = await processAccessGroups(ctx);
  const keys = await attributeKeys(ctx);
  const accounts = await discoverAccounts(ctx);
  const listed = DIRECTORY_LIMITS.listedInResult;
  return {
    ...result,
    refusedEntries: result.refusedEntries.slice(0, listed),
    tooManyKeys: result.tooManyKeys.slice(0, listed),
    ...(result.refusedEntries.length > listed || result.tooManyKeys.length > listed
      ? {
          overBoundCounts: {
            refusedEntries: result.refusedEntries.length,
            tooManyKeys: result.tooManyKeys.length,
          },
        }
      : {}),
    access,
    keys,
    accounts,
  };
}
