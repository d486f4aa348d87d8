import { describe, expect, it } from 'vitest';
import { commentMatcher } from '../../../controller/directory/attribute-keys';
import {
  changedSince,
  changedSinceFilter,
  escapeFilterValue,
  inChainMembersFilter,
  isActiveDirectory,
  parseGeneralizedTime,
} from '../../../controller/directory/ldap-filters';
import { nextMark } from '../../../controller/directory/read-directory';
import type { PersonRecord } from '../../../controller/store/directory-records';

describe('ldap filters', () => {
  it('escapes filter values (RFC 4515) so a DN cannot change the filter', () => {
    expect(escapeFilterValue('cn=a*(b)\\c')).toBe('cn=a\\2a\\28b\\29\\5cc');
  });

  it("asks AD for a group's members through any nesting (LDAP_MATCHING_RULE_IN_CHAIN)", () => {
    expect(inChainMembersFilter('(objectClass=user)', 'CN=DBAs (prod),OU=Groups,DC=corp')).toBe(
      '(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=CN=DBAs \\28prod\\29,OU=Groups,DC=corp))',
    );
  });

  it('knows Active Directory by its root DSE capability', () => {
    expect(isActiveDirectory(['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1670'])).toBe(true);
    expect(isActiveDirectory([])).toBe(false);
  });

  it('reads changes after the USN, or from a minute before the last modifyTimestamp', () => {
    expect(changedSinceFilter({ attribute: 'uSNChanged', value: '12345' })).toBe(
      '(uSNChanged>=12346)',
    );
    expect(changedSinceFilter({ attribute: 'modifyTimestamp', value: '20261130120000Z' })).toBe(
      '(modifyTimestamp>=20261130115900Z)',
    );
    expect(changedSinceFilter({ attribute: 'modifyTimestamp', value: 'yesterday' })).toBeNull();
    expect(changedSinceFilter({ attribute: 'uSNChanged', value: '1)(x=*' })).toBeNull();
    const mark = { attribute: 'modifyTimestamp' as const, value: '20261130120000Z' };
    expect(changedSince(mark, '20261130115930Z')).toBe(true);
    expect(changedSince(mark, '20261130115800Z')).toBe(false);
    expect(changedSince({ attribute: 'uSNChanged', value: '10' }, '10')).toBe(false);
    expect(changedSince({ attribute: 'uSNChanged', value: '10' }, '11')).toBe(true);
  });

  it('takes no mark longer than a server writes: a USN of more than 20 digits, a fraction of more than 9', () => {
    expect(changedSinceFilter({ attribute: 'uSNChanged', value: '9'.repeat(20) })).toBe(
      `(uSNChanged>=${10n ** 20n})`,
    );
    expect(changedSinceFilter({ attribute: 'uSNChanged', value: '9'.repeat(21) })).toBeNull();
    expect(changedSince({ attribute: 'uSNChanged', value: '10' }, '1'.repeat(21))).toBe(false);
    expect(parseGeneralizedTime('20261130120000.123456789Z')).toBe(Date.UTC(2026, 10, 30, 12));
    expect(parseGeneralizedTime(`20261130120000.${'0'.repeat(10)}Z`)).toBeNull();
    const ad = { serverKind: 'ad' as const, search: async () => [] };
    expect(nextMark({ ...ad, highestUsn: '123' }, null, [])).toEqual({
      attribute: 'uSNChanged',
      value: '123',
    });
    expect(nextMark({ ...ad, highestUsn: '1'.repeat(21) }, null, [])).toBeNull();
  });
});

describe('key comment attribution', () => {
  const person = (id: string, uid: string, email: string, state: 'active' | 'left') =>
    ({ id, uid, email, state }) as PersonRecord;
  const people = [
    person('p1', 'alice', 'alice@corp.example', 'left'),
    person('p2', 'alice', 'alice2@corp.example', 'active'),
    person('p3', 'bob', 'bob@corp.example', 'active'),
  ];

  it("matches the pattern's capture to a uid, the active person first, case-insensitively", () => {
    const match = commentMatcher('^([^@\\s]+)@corp\\.example$', 'uid', people);
    expect(match('ALICE@corp.example')).toMatchObject({ personId: 'p2', method: 'comment' });
    expect(match('bob@laptop')).toBeNull();
    expect(match(null)).toBeNull();
  });

  it('matches the capture to an email', () => {
    const match = commentMatcher('^(\\S+@\\S+)$', 'email', people);
    expect(match('bob@corp.example')).toMatchObject({ personId: 'p3' });
    expect(match('alice@corp.example')).toMatchObject({ personId: 'p1' });
  });

  it('matches nothing without a pattern', () => {
    expect(commentMatcher(null, 'uid', people)('alice@corp.example')).toBeNull();
  });
});
