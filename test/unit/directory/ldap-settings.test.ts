import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildLdapSettings,
  LDAP_BIND_PASSWORD_CONTEXT,
  ldapSettingsView,
} from '../../../controller/directory/ldap-settings';
import { SecretBox } from '../../../controller/secrets/secret-box';

const box = new SecretBox({ key: randomBytes(32), id: '0123456789ab', source: 'env' });
const input = {
  url: 'ldap://ldap.example.test:389',
  bindDn: 'cn=kw,dc=example,dc=test',
  bindPassword: 'hunter2-secret',
  userBase: 'ou=people,dc=example,dc=test',
};

describe('ldap settings', () => {
  it('seals the bind password, defaults StartTLS on ldap://, and shows no password', () => {
    const s = buildLdapSettings(input, null, box, 'alice', 1);
    expect(s.startTls).toBe(true);
    expect(JSON.stringify(s)).not.toContain('hunter2-secret');
    expect(box.open(s.bindPasswordSealed as string, LDAP_BIND_PASSWORD_CONTEXT)).toBe(
      'hunter2-secret',
    );
    const view = ldapSettingsView(s);
    expect(view).toMatchObject({ bindPasswordSet: true, groupBase: input.userBase });
    expect(view).not.toHaveProperty('bindPasswordSealed');
    // Absent keeps the stored password.
    const again = buildLdapSettings({ ...input, bindPassword: undefined }, s, box, 'bob', 2);
    expect(again.bindPasswordSealed).toBe(s.bindPasswordSealed);
  });

  it('refuses a password in clear, a wrong URL, DN or filter, naming the field', () => {
    const refused = (over: Record<string, unknown>, field: string) =>
      expect(() => buildLdapSettings({ ...input, ...over }, null, box, 'a', 1)).toThrow(
        expect.objectContaining({
          code: 'INVALID_INPUT',
          details: expect.objectContaining({ field }),
        }),
      );
    refused({ startTls: false }, 'startTls');
    refused({ url: 'http://ldap.example.test' }, 'url');
    refused({ url: 'ldaps://h:636', startTls: true }, 'startTls');
    refused({ bindDn: 'not a dn' }, 'bindDn');
    refused({ userFilter: 'uid=*' }, 'userFilter');
    refused({ caCertificate: 'junk' }, 'caCertificate');
    refused({ pageSize: 0 }, 'pageSize');
    refused({ pageSize: 1.5 }, 'pageSize');
    refused({ nestingDepth: 101 }, 'nestingDepth');
    refused({ fullSyncEvery: 0 }, 'fullSyncEvery');
    refused({ keyCommentPattern: '([a-z]+' }, 'keyCommentPattern');
    refused({ keyCommentPattern: '^[a-z]+@example$' }, 'keyCommentPattern');
    refused({ keyCommentPattern: '^([a-z]+)@(example)$' }, 'keyCommentPattern');
    refused({ keyCommentPattern: '^((a+)+)$' }, 'keyCommentPattern');
    refused({ keyCommentPattern: '^([a-z]*)*@x$' }, 'keyCommentPattern');
  });

  it('fills in the sync defaults, shown in the view, and keeps what is given', () => {
    const view = ldapSettingsView(buildLdapSettings(input, null, box, 'a', 1));
    expect(view).toMatchObject({
      pageSize: 500,
      nestingDepth: 10,
      serverKind: 'auto',
      incremental: true,
      fullSyncEvery: 12,
      keyCommentPattern: null,
      keyCommentField: 'uid',
      accountMatch: 'uid',
    });
    const given = {
      pageSize: 100,
      nestingDepth: 0,
      serverKind: 'ad' as const,
      incremental: false,
      fullSyncEvery: 1,
      keyCommentPattern: '^(\\S+@example\\.com)$',
      keyCommentField: 'email' as const,
      accountMatch: 'mapping' as const,
    };
    expect(
      ldapSettingsView(buildLdapSettings({ ...input, ...given }, null, box, 'a', 1)),
    ).toMatchObject(given);
  });
});
