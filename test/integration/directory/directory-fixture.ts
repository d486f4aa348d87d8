/** The test directory: people, groups (one nested) and keys, as LDIF for slapd. */
import { SUFFIX } from '../../helpers/slapd';

export const person = (
  uid: string,
  name: string,
  keys: string[],
) => `dn: uid=${uid},ou=people,${SUFFIX}
objectClass: inetOrgPerson
objectClass: ldapPublicKey
uid: ${uid}
cn: ${name}
sn: ${name.split(' ').pop()}
mail: ${uid}@example.test
${keys.map((k) => `sshPublicKey: ${k}`).join('\n')}
`;

export const group = (cn: string, members: string[]) => `dn: cn=${cn},ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: ${cn}
${members.map((m) => `member: ${m}`).join('\n')}
`;

export const userDn = (uid: string) => `uid=${uid},ou=people,${SUFFIX}`;
export const groupDn = (cn: string) => `cn=${cn},ou=groups,${SUFFIX}`;

export const BASE_LDIF = `dn: ${SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,${SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${SUFFIX}
objectClass: organizationalUnit
ou: groups
`;

export const seed = (...entries: string[]) => [BASE_LDIF, ...entries].join('\n');
