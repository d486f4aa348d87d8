#!/usr/bin/env node
/* global process, console */
/**
 * What `npm test` needs besides node_modules, checked before anything is compiled (plain
 * Node, no dependencies): the OpenSSH server and client the integration tests run on
 * loopback, sudo for management accounts, the account tools, dpkg-deb for the agent
 * package, redis-server for the engine benchmark's BullMQ leg, chromium for the console's
 * browser tests, root (tests create accounts and listen on port 22), and the FerretDB test
 * server (built once with Go). A missing Debian package is installed when we are root
 * and apt-get is here; anything else stops the run at once with the command to run.
 * Without this, a fresh machine ran the whole suite for 18 minutes to fail and skip
 * every real-sshd test.
 *
 * Options (environment):
 *   KEYWARDEN_PREREQ_CHECK_ONLY=1   never install, only report (vitest's global setup)
 *   KEYWARDEN_PREREQ_EXTRA=PATH=PKG[,PATH=PKG...]   more files to require (to try the
 *                                   messages with a file that does not exist)
 *   KEYWARDEN_TEST_MONGODB_URL      a real MongoDB for the tests: FerretDB is not built
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TAG = 'test-prerequisites:';

/** A file by absolute path, or a command looked up on PATH (plus the sbin dirs root uses). */
export const REQUIREMENTS = [
  { file: '/usr/sbin/sshd', pkg: 'openssh-server' },
  { command: 'ssh', pkg: 'openssh-client' },
  { command: 'ssh-keygen', pkg: 'openssh-client' },
  { command: 'sudo', pkg: 'sudo' },
  { command: 'ip', pkg: 'iproute2' },
  { command: 'dpkg-deb', pkg: 'dpkg' },
  // bench:engine runs BullMQ beside the engine on a redis-server it starts; its test does too.
  { file: '/usr/bin/redis-server', pkg: 'redis-server' },
  { command: 'useradd', pkg: 'passwd' },
  { command: 'usermod', pkg: 'passwd' },
  { command: 'userdel', pkg: 'passwd' },
  { command: 'chpasswd', pkg: 'passwd' },
  // The web console's browser tests drive Debian's Chromium headless (playwright-core, which
  // never downloads a browser of its own).
  { file: '/usr/bin/chromium', pkg: 'chromium' },
  // The directory sync tests run an OpenLDAP server on loopback and change it with ldapmodify.
  { file: '/usr/sbin/slapd', pkg: 'slapd' },
  { command: 'ldapmodify', pkg: 'ldap-utils' },
  // The approvals tests read replies from a Dovecot IMAP server on loopback.
  { file: '/usr/sbin/dovecot', pkg: 'dovecot-core' },
  { file: '/usr/lib/dovecot/imap', pkg: 'dovecot-imapd' },
];

const SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether one requirement is met, given the PATH to search. */
export function present(req, pathEnv = process.env.PATH ?? '') {
  if (req.file) return executable(req.file);
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), ...SEARCH_DIRS];
  return dirs.some((d) => executable(join(d, req.command)));
}

/** `PATH=PKG,...` from KEYWARDEN_PREREQ_EXTRA. */
export function parseExtra(value) {
  if (!value) return [];
  return value.split(',').map((item) => {
    const [file, pkg] = item.split('=');
    if (!file?.startsWith('/') || !pkg)
      throw new Error(
        `${TAG} KEYWARDEN_PREREQ_EXTRA: expected /absolute/path=package[,...], got "${item}"`,
      );
    return { file, pkg };
  });
}

const label = (req) => req.file ?? req.command;
const unique = (xs) => [...new Set(xs)];
export const aptCommand = (pkgs) =>
  `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(' ')}`;

/**
 * Checks every requirement and installs the missing packages when it may. Returns the
 * problems left, each a message that ends with what to run; empty when all is well.
 * `sys` is the machine (replaced in tests): isRoot, hasApt, present(req), log(line) and
 * run(cmd, args, { env, cwd, quiet }) -> exit status.
 */
export function ensurePackages(requirements, opts, sys) {
  const missing = requirements.filter((r) => !sys.present(r));
  if (missing.length === 0) return [];
  const pkgs = unique(missing.map((r) => r.pkg));
  const what = missing.map((r) => `${label(r)} (${r.pkg})`).join(', ');
  if (!opts.checkOnly && sys.isRoot && sys.hasApt) {
    sys.log(`${TAG} installing Debian packages ${pkgs.join(' ')} for ${what}`);
    // apt's progress goes to stdout and is dropped; its errors still show.
    const apt = { env: { DEBIAN_FRONTEND: 'noninteractive' }, quiet: true };
    const ok =
      sys.run('apt-get', ['update', '-qq'], apt) === 0 &&
      sys.run('apt-get', ['install', '-y', '-qq', ...pkgs], apt) === 0;
    const still = missing.filter((r) => !sys.present(r));
    if (ok && still.length === 0) return [];
    return [
      `${TAG} could not install ${pkgs.join(' ')} (still missing: ${still.map(label).join(', ') || 'none, but apt-get failed'}); run:\n  ${aptCommand(pkgs)}`,
    ];
  }
  const how = sys.hasApt
    ? `${sys.isRoot ? '' : 'as root: '}${aptCommand(pkgs)}`
    : `install the Debian packages ${pkgs.join(' ')} or your system's equivalents`;
  return [`${TAG} missing ${what}; run:\n  ${how}`];
}

/** Builds (once, cached) or finds the FerretDB binary through the test helper; null when fine. */
function ensureFerretDb(root, sys) {
  if (process.env.KEYWARDEN_TEST_MONGODB_URL) return null;
  const code =
    "import('./test/helpers/ferretdb.ts').then(async (m) => { const b = await m.ferretDbBinaryPath(); " +
    "if (!(await m.isBuilt(b))) console.error('" +
    TAG +
    " building FerretDB once into ' + b + ' (a few minutes)'); await m.ensureFerretDbBinary(); })" +
    '.catch((e) => { console.error(e.message); process.exit(1); })';
  const status = sys.run(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root });
  return status === 0 ? null : `${TAG} the FerretDB test server is not available (see above)`;
}

function realSystem() {
  return {
    isRoot: process.getuid?.() === 0,
    hasApt: present({ command: 'apt-get' }),
    present: (r) => present(r),
    log: (line) => console.log(line),
    run: (cmd, args, { env = {}, cwd, quiet = false } = {}) =>
      spawnSync(cmd, args, {
        stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
        env: { ...process.env, ...env },
        cwd,
      }).status ?? 1,
  };
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const sys = realSystem();
  const checkOnly = process.env.KEYWARDEN_PREREQ_CHECK_ONLY === '1';
  const problems = [];
  if (!sys.isRoot)
    problems.push(
      `${TAG} the suite creates real accounts and runs sshd on port 22 of loopback addresses: run it as root (sudo npm test)`,
    );
  let requirements;
  try {
    requirements = [...REQUIREMENTS, ...parseExtra(process.env.KEYWARDEN_PREREQ_EXTRA)];
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  problems.push(...ensurePackages(requirements, { checkOnly }, sys));
  if (problems.length === 0 && !checkOnly) {
    const ferret = ensureFerretDb(root, sys);
    if (ferret) problems.push(ferret);
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
