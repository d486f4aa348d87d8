/**
 * The step `npm test` runs first: a missing tool is installed (root with apt-get) or the
 * run stops at once with the exact command; it never lets the suite start without it.
 */
import { describe, expect, it } from 'vitest';
import {
  aptCommand,
  ensurePackages,
  parseExtra,
  present,
  REQUIREMENTS,
  type PrerequisiteSystem,
  type Requirement,
} from '../../../scripts/test-prerequisites.mjs';

const fakeSshd: Requirement = { file: '/nonexistent/kwt/sshd', pkg: 'openssh-server' };
const fakeIp: Requirement = { command: 'kwt-no-such-ip', pkg: 'iproute2' };

/** A machine where the given files appear once their packages are installed. */
function machine(opts: { isRoot: boolean; hasApt: boolean; aptWorks?: boolean }) {
  const installed = new Set<string>();
  const runs: string[] = [];
  const logs: string[] = [];
  const sys: PrerequisiteSystem = {
    isRoot: opts.isRoot,
    hasApt: opts.hasApt,
    present: (r) => installed.has(r.pkg) || present(r),
    log: (l) => logs.push(l),
    run: (cmd, args, o) => {
      runs.push(`${o?.env?.DEBIAN_FRONTEND ?? ''} ${cmd} ${args.join(' ')}`.trim());
      if (opts.aptWorks === false) return 100;
      if (args[0] === 'install') for (const p of args.slice(3)) installed.add(p);
      return 0;
    },
  };
  return { sys, runs, logs };
}

describe('test prerequisites', () => {
  it('finds what this machine has', () => {
    expect(present({ command: 'sh', pkg: 'dash' })).toBe(true);
    expect(present(fakeSshd)).toBe(false);
    expect(present(fakeIp, '/usr/bin')).toBe(false);
    // The suite's own list is met here (the tests run on it).
    expect(REQUIREMENTS.filter((r) => !present(r))).toEqual([]);
  });

  it('installs the missing packages once, non-interactively, and says so in one line', () => {
    const m = machine({ isRoot: true, hasApt: true });
    expect(ensurePackages([fakeSshd, fakeIp, { ...fakeSshd, file: '/x/y' }], {}, m.sys)).toEqual(
      [],
    );
    expect(m.runs).toEqual([
      'noninteractive apt-get update -qq',
      'noninteractive apt-get install -y -qq openssh-server iproute2',
    ]);
    expect(m.logs).toEqual([
      'test-prerequisites: installing Debian packages openssh-server iproute2 for /nonexistent/kwt/sshd (openssh-server), kwt-no-such-ip (iproute2), /x/y (openssh-server)',
    ]);
  });

  it('stops with the exact command when it may not install', () => {
    const notRoot = machine({ isRoot: false, hasApt: true });
    expect(ensurePackages([fakeSshd], {}, notRoot.sys)).toEqual([
      `test-prerequisites: missing /nonexistent/kwt/sshd (openssh-server); run:\n  as root: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openssh-server`,
    ]);
    expect(notRoot.runs).toEqual([]);
    const checkOnly = machine({ isRoot: true, hasApt: true });
    expect(ensurePackages([fakeSshd], { checkOnly: true }, checkOnly.sys)[0]).toContain(
      aptCommand(['openssh-server']),
    );
    expect(checkOnly.runs).toEqual([]);
    const noApt = machine({ isRoot: true, hasApt: false });
    expect(ensurePackages([fakeSshd], {}, noApt.sys)[0]).toMatch(
      /install the Debian packages openssh-server/,
    );
  });

  it('reports a failed install with the command to run by hand', () => {
    const m = machine({ isRoot: true, hasApt: true, aptWorks: false });
    const [problem] = ensurePackages([fakeSshd], {}, m.sys);
    expect(problem).toMatch(/could not install openssh-server/);
    expect(problem).toContain(aptCommand(['openssh-server']));
  });

  it('refuses a malformed extra requirement naming it', () => {
    expect(parseExtra('/usr/sbin/sshd=openssh-server')).toEqual([
      { file: '/usr/sbin/sshd', pkg: 'openssh-server' },
    ]);
    expect(() => parseExtra('sshd')).toThrow(/KEYWARDEN_PREREQ_EXTRA.*"sshd"/);
  });
});
