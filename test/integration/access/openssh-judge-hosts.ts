/**
 * The fleet that judges the effective-access evaluator: four real sshd hosts whose configs
 * and authorized_keys lines are chosen to be tricky (Match User/Group/Address, two key files,
 * Allow/Deny lists, PermitRootLogin variants, TrustedUserCAKeys with principals files,
 * PubkeyAcceptedAlgorithms; from= with negation and CIDR, expiry-time, bad options, type
 * mismatches, unknown key types, duplicate keys, cert-authority lines).
 *
 * Accounts are alice, bob, carol (real accounts, random names ending in the label; each
 * has a primary group of its own name, which Match Group / Allow/DenyGroups patterns use)
 * and root (its key file in the test dir, never /root/.ssh).
 */
import { randomBytes } from 'node:crypto';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeSshString } from '../../../shared/ssh/ssh-wire';

export interface JudgeKeys {
  /** `type base64` of each plain key, by name (A..E, EC, CA). */
  pub: Record<string, string>;
}

export interface HostPlan {
  name: string;
  settings: (p: PlanContext) => Record<string, string>;
  extraConfig: (p: PlanContext) => string;
  /** Key file contents by path, written after the accounts exist (names are random). */
  files: (p: PlanContext) => Record<string, string>;
  rootKeys: (p: PlanContext) => string;
  /** Identities tried against every account of this host from every source. */
  identities: string[];
  /** Last octets of the source addresses that differ for this host (all: .11, .12, .13). */
  sources: number[];
  /** Whether root is one of the accounts tried (its key file is always written). */
  withRoot: boolean;
}

export interface PlanContext {
  /** `127.A.B`: sources are .11, .12, .13. */
  net: string;
  dir: string;
  keys: JudgeKeys;
  home: (label: string) => string;
  user: (label: string) => string;
}

/** A well-formed key blob of a type no OpenSSH release knows (a post-quantum name). */
export function unknownTypeKeyLine(): string {
  const type = 'ssh-mldsa44@openssh.com';
  const blob = Buffer.concat([encodeSshString(type), encodeSshString(randomBytes(64))]);
  return `${type} ${blob.toString('base64')} pq-key`;
}

export const HOST_PLANS: HostPlan[] = [
  {
    name: 'match',
    sources: [11, 12, 13],
    withRoot: false,
    identities: ['A', 'B', 'C', 'D', 'E', 'EC', 'CA', 'certDeploy', 'certExpired', 'certAnyone'],
    settings: (p) => ({ AuthorizedKeysFile: `.ssh/authorized_keys ${p.dir}/keys/%u` }),
    extraConfig: (p) =>
      [
        `Match Address ${p.net}.13`,
        '  PubkeyAuthentication no',
        'Match Group *alice',
        '  AuthorizedKeysFile .ssh/authorized_keys2',
      ].join('\n'),
    files: (p) => {
      const k = p.keys.pub;
      const mismatched = `ssh-rsa ${(k['D'] ?? '').split(' ')[1]} type-mismatch`;
      return {
        [`${p.home('alice')}/.ssh/authorized_keys`]: `${k['B']} not-read-for-alice\n`,
        [`${p.home('alice')}/.ssh/authorized_keys2`]: `${k['A']} alice\n`,
        [`${p.home('bob')}/.ssh/authorized_keys`]: [
          '# tricky lines',
          `from="${p.net}.0/24,!${p.net}.12" ${k['A']} cidr-not-12`,
          `expiry-time="20200101" ${k['B']} expired`,
          `expiry-time="20991231" ${k['C']} not-yet-expired`,
          `no-such-option ${k['D']} bad-option`,
          mismatched,
          `from="${p.net}.11" ${k['E']} first-from-11`,
          `expiry-time="20200101" ${k['E']} duplicate-expired`,
          `from="${p.net}.11",from="${p.net}.12" ${k['EC']} two-froms`,
          unknownTypeKeyLine(),
          `cert-authority,principals="deploy" ${k['CA']} ca-deploy`,
          '',
        ].join('\n'),
        [`${p.dir}/keys/${p.user('bob')}`]: [
          `from="!${p.net}.11,${p.net}.*" ${k['D']} second-file`,
          `cert-authority ${k['CA']} ca-any-principal`,
          '',
        ].join('\n'),
        [`${p.home('carol')}/.ssh/authorized_keys`]: [
          `restrict,command="/bin/true" ${k['A']} forced`,
          `principals="x" ${k['B']} principals-on-plain-key`,
          `From="${p.net}.12" ${k['C']} option-name-in-capitals`,
          `${k['C']} duplicate-without-from`,
          `permitopen="host:notaport" ${k['E']} bad-port`,
          `permitlisten="8080",expiry-time="20991301" ${k['D']} month-13`,
          `permitopen="host:*",permitlisten="localhost:8080" ${k['EC']} good-forwarding-specs`,
          `,no-pty,,restrict, ${k['CA']} empty-options-and-trailing-comma`,
          `from="foo/24,${p.net}.11" ${k['B']} not-an-address-so-a-wildcard`,
          '',
        ].join('\n'),
      };
    },
    rootKeys: (p) => `${p.keys.pub['A']} root\n`,
  },
  {
    name: 'allow-deny',
    sources: [11, 12],
    withRoot: true,
    identities: ['A', 'B', 'C'],
    settings: (p) => ({
      AuthorizedKeysFile: '%h/.ssh/authorized_keys',
      AllowUsers: `*alice *bob@${p.net}.12/30 *carol root`,
      DenyGroups: '*carol',
      PermitRootLogin: 'no',
    }),
    extraConfig: (p) =>
      [
        `Match User *alice Address ${p.net}.0/24,!${p.net}.11`,
        '  AuthorizedKeysFile .ssh/no_such_file',
      ].join('\n'),
    files: (p) =>
      Object.fromEntries(
        ['alice', 'bob', 'carol'].map((u) => [
          `${p.home(u)}/.ssh/authorized_keys`,
          // CRLF endings, and blanks and tabs around the fields: sshd reads these lines.
          ` \t${p.keys.pub['A']}\t crlf\r\n${(p.keys.pub['B'] ?? '').replace(' ', '\t')}\r\n`,
        ]),
      ),
    rootKeys: (p) => `${p.keys.pub['A']} root\n`,
  },
  {
    name: 'forced-commands',
    sources: [11, 12],
    withRoot: true,
    identities: ['A', 'B', 'C'],
    settings: () => ({ PermitRootLogin: 'forced-commands-only', AllowGroups: '*alice root' }),
    extraConfig: (p) =>
      [`Match Address ${p.net}.12 User *alice`, `  AuthorizedKeysFile ${p.dir}/keys%%/%u`].join(
        '\n',
      ),
    files: (p) => ({
      // sshd reads a "UTC" or "z" suffix as UTC, in any case.
      [`${p.home('alice')}/.ssh/authorized_keys`]: [
        `expiry-time="20991231UTC" ${p.keys.pub['A']}`,
        `expiry-time="20200101z" ${p.keys.pub['C']}`,
        '',
      ].join('\n'),
      [`${p.dir}/keys%/${p.user('alice')}`]: `${p.keys.pub['B']}\n`,
      [`${p.home('bob')}/.ssh/authorized_keys`]: `${p.keys.pub['A']}\n`,
    }),
    rootKeys: (p) =>
      [
        `${p.keys.pub['A']} no-command`,
        `command="/bin/true \\"quoted, with a comma\\"" ${p.keys.pub['B']} forced`,
        `restrict,command="/bin/true",from="${p.net}.11" ${p.keys.pub['C']}`,
        '',
      ].join('\n'),
  },
  {
    name: 'trusted-ca',
    sources: [11, 12, 13],
    withRoot: true,
    identities: ['A', 'B', 'EC', 'certDeploy', 'certAliceP', 'certAnyone', 'certCarol'],
    settings: (p) => ({
      TrustedUserCAKeys: `${p.dir}/ca.pub`,
      AuthorizedPrincipalsFile: `${p.dir}/principals/%u`,
      PubkeyAcceptedAlgorithms: 'ssh-ed25519,ssh-ed25519-cert-v01@openssh.com',
      DenyUsers: `*alice@${p.net}.13`,
      PermitRootLogin: 'without-password',
    }),
    extraConfig: (p) =>
      [
        `Match Address ${p.net}.12`,
        '  PermitRootLogin no',
        'Match User *carol',
        '  AuthorizedPrincipalsFile none',
      ].join('\n'),
    files: (p) => ({
      [`${p.dir}/ca.pub`]: `${p.keys.pub['CA']}\n`,
      [`${p.home('alice')}/.ssh/authorized_keys`]: `${p.keys.pub['A']}\n${p.keys.pub['EC']}\n`,
      [`${p.dir}/principals/${p.user('alice')}`]: `alice-p\nfrom="${p.net}.11" deploy\n`,
      // UseDNS no: sshd compares from= with the address, so a name never matches.
      [`${p.home('bob')}/.ssh/authorized_keys`]: [
        `from="localhost" ${p.keys.pub['B']}`,
        `from="127.*,!${p.net}.12" ${p.keys.pub['A']}`,
        '',
      ].join('\n'),
    }),
    rootKeys: (p) => `${p.keys.pub['A']} root\n`,
  },
  {
    // The files come first; what they do not grant is the command's to decide.
    name: 'keys-command',
    sources: [11, 12],
    withRoot: false,
    identities: ['A', 'B', 'C', 'D'],
    settings: (p) => ({
      AuthorizedKeysCommand: `/bin/cat ${p.dir}/command-keys`,
      AuthorizedKeysCommandUser: 'nobody',
    }),
    extraConfig: () => '',
    files: (p) => ({
      [`${p.home('alice')}/.ssh/authorized_keys`]: [
        `from="${p.net}.11" ${p.keys.pub['A']}`,
        `expiry-time="20200101" ${p.keys.pub['B']}`,
        '',
      ].join('\n'),
      [`${p.dir}/command-keys`]: `${p.keys.pub['B']}\n${p.keys.pub['C']}\n`,
    }),
    rootKeys: (p) => `${p.keys.pub['A']} root\n`,
  },
];

/** Writes a file (and its directory) owned by the account, as a user's own file would be. */
export async function writeOwnedFile(
  path: string,
  content: string,
  owner?: { uid: number; gid: number },
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeFile(path, content, { mode: 0o644 });
  if (owner) {
    await chown(dirname(path), owner.uid, owner.gid);
    await chown(path, owner.uid, owner.gid);
  }
}
