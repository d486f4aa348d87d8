import { describe, expect, it } from 'vitest';
import { incrementalFrom } from '../../../controller/directory/ldap-sync-run';
import type {
  DirectorySyncStateRecord,
  LdapSettingsRecord,
} from '../../../controller/store/directory-records';

const settings = {
  url: 'ldap://h:389',
  updatedAt: 100,
  fullSyncEvery: 3,
} as LdapSettingsRecord;
const state: DirectorySyncStateRecord = {
  settingsUpdatedAt: 100,
  serverKind: 'ldap',
  mark: { attribute: 'modifyTimestamp', value: '20261130120000Z' },
  runsSinceFull: 0,
  lastFullAt: 1,
  lastRunAt: 1,
};

describe('which syncs are incremental', () => {
  it('reads changes only after a full sync with a mark, under the same settings', () => {
    expect(incrementalFrom(settings, state)).toBe(state);
    expect(incrementalFrom(settings, null)).toBeNull();
    expect(incrementalFrom(settings, { ...state, mark: null })).toBeNull();
    // Other settings (another server, base or filter): the mark is not theirs.
    expect(incrementalFrom({ ...settings, updatedAt: 101 }, state)).toBeNull();
    expect(incrementalFrom({ ...settings, incremental: false }, state)).toBeNull();
  });

  it('makes every fullSyncEvery-th run a full one, to catch what increments cannot see', () => {
    // Full, then two incremental runs, then full again (fullSyncEvery 3).
    expect(incrementalFrom(settings, { ...state, runsSinceFull: 0 })).not.toBeNull();
    expect(incrementalFrom(settings, { ...state, runsSinceFull: 1 })).not.toBeNull();
    expect(incrementalFrom(settings, { ...state, runsSinceFull: 2 })).toBeNull();
    expect(incrementalFrom({ ...settings, fullSyncEvery: 1 }, state)).toBeNull();
  });
});
