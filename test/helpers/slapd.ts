/**
 * A real OpenLDAP server for tests: Debian's slapd on a loopback port with its own config
 * and database directory, StartTLS with a certificate from a CA made here (the client
 * pins it), the openssh-lpk `sshPublicKey` attribute (Debian ships no schema file for it,
 * so it is defined here), and ldapmodify/ldapadd to change the directory mid-test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './agent-processes';

export const SUFFIX = 'dc=example,dc=test';
export const ADMIN_DN = `cn=admin,${SUFFIX}`;

const OPENSSH_LPK = `
attributetype ( 1.3.6.1.4.1.24552.500.1.1.1.13 NAME 'sshPublicKey'
  DESC 'OpenSSH public key' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )
objectclass ( 1.3.6.1.4.1.24552.500.1.1.2.0 NAME 'ldapPublicKey' SUP top AUXILIARY
  DESC 'OpenSSH LPK objectclass' MAY ( sshPublicKey $ uid ) )
`;

/**
 * Active Directory's userAccountControl, for tests only: slapd has no such attribute, so it
 * is defined here (AD's own attribute OID; the auxiliary class's OID is a made-up test arc)
 * to exercise the ACCOUNTDISABLE bit against a real server. Nothing else of AD is mimicked.
 */
export const AD_ACCOUNT_CONTROL_SCHEMA = `
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  DESC 'AD account flags (test copy)' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.424242.1 NAME 'kwTestAdAccount' SUP top AUXILIARY
  MAY ( userAccountControl ) )
`;

/**
 * Active Directory's objectGUID, for tests only: 16 bytes sent as binary (an octet string),
 * under AD's own attribute OID, carried by an auxiliary class of the made-up test arc, so a
 * sync reads a real binary value over the wire. Nothing else of AD is mimicked.
 */
export const AD_OBJECT_GUID_SCHEMA = `
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID'
  DESC 'AD object GUID (test copy)' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.424242.2 NAME 'kwTestAdObject' SUP top AUXILIARY
  MAY ( objectGUID ) )
`;

export interface TestSlapdOptions {
  /** Extra schema text (slapd.conf attributetype/objectclass lines). */
  schema?: string;
  /** Extra directives of the database (for example `limits`). */
  databaseConf?: string;
}

export interface TestSlapd {
  url: string;
  /** The same server over ldaps:// (TLS from the first byte). */
  ldapsUrl: string;
  port: number;
  adminPassword: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem: string;
  /** Applies LDIF with ldapmodify (-a adds entries). */
  modify(ldif: string, opts?: { add?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], input?: string): void {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

async function makeCertificates(dir: string): Promise<void> {
  const o = (...a: string[]) => run('openssl', a);
  o(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=kw test ldap ca',
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    join(dir, 'ca.pem'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  );
  o(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    join(dir, 'server.key'),
    '-out',
    join(dir, 'server.csr'),
  );
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  o(
    'x509',
    '-req',
    '-in',
    join(dir, 'server.csr'),
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    join(dir, 'ext.cnf'),
    '-out',
    join(dir, 'server.pem'),
  );
}

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

export async function startTestSlapd(
  seedLdif: string,
  opts: TestSlapdOptions = {},
): Promise<TestSlapd> {
  const dir = await mkdtemp(join(tmpdir(), 'kwt-slapd-'));
  const db = join(dir, 'db');
  await mkdir(db);
  await makeCertificates(dir);
  await writeFile(join(dir, 'openssh-lpk.schema'), `${OPENSSH_LPK}${opts.schema ?? ''}`);
  const adminPassword = 'slapd-admin-secret';
  const conf = `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include ${join(dir, 'openssh-lpk.schema')}
pidfile ${join(dir, 'slapd.pid')}
modulepath /usr/lib/ldap
moduleload back_mdb
# ppolicy: pwdAccountLockedTime is how OpenLDAP disables an account.
moduleload ppolicy
TLSCACertificateFile ${join(dir, 'ca.pem')}
TLSCertificateFile ${join(dir, 'server.pem')}
TLSCertificateKeyFile ${join(dir, 'server.key')}
# The bind password must never cross in clear: simple binds need TLS.
security simple_bind=128
database mdb
maxsize 10485760
suffix "${SUFFIX}"
rootdn "${ADMIN_DN}"
rootpw ${adminPassword}
directory ${db}
${opts.databaseConf ?? ''}
overlay ppolicy
`;
  await writeFile(join(dir, 'slapd.conf'), conf);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const tlsPort = await freePort();
  const ldapsUrl = `ldaps://127.0.0.1:${tlsPort}`;
  const proc: ChildProcess = spawn(
    '/usr/sbin/slapd',
    [
      '-d',
      process.env.KW_SLAPD_DEBUG ?? '0',
      '-h',
      `${url} ${ldapsUrl}`,
      '-f',
      join(dir, 'slapd.conf'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.KW_SLAPD_DEBUG) process.stderr.write(d);
  });
  const deadline = Date.now() + 30_000;
  while (!(await reachable(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`slapd did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const caPem = await readFile(join(dir, 'ca.pem'), 'utf8');
  const modify = async (ldif: string, opts: { add?: boolean } = {}) => {
    const r = spawnSync(
      'ldapmodify',
      [...(opts.add ? ['-a'] : []), '-ZZ', '-x', '-H', url, '-D', ADMIN_DN, '-w', adminPassword],
      {
        input: ldif,
        encoding: 'utf8',
        env: { ...process.env, LDAPTLS_CACERT: join(dir, 'ca.pem'), LDAPTLS_REQCERT: 'demand' },
      },
    );
    if (r.status !== 0) throw new Error(`ldapmodify: ${r.stderr || r.stdout}`);
  };
  await modify(seedLdif, { add: true });
  return {
    url,
    ldapsUrl,
    port,
    adminPassword,
    caPem,
    modify,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
