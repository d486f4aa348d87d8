/**
 * The steps of an sshd config deploy on a "host" that is a directory (LocalSession with a
 * root prefix), judged by the real sshd -t: when it checks and reloads, what it puts back
 * when the login check after the reload fails, and what it does with a file an
 * interrupted attempt left.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deploySshdConfig,
  sha256Hex,
  type LoginCheck,
} from '../../../shared/hostops/deploy-sshd-config';
import { LocalSession } from '../../../shared/session/local-session';

describe('deploying an sshd config, step by step', () => {
  let root = '';
  let session: LocalSession;
  const real = (p: string) => join(root, p);
  const main = '/etc/ssh/sshd_config';
  const good = () => `Port 2222\nHostKey ${real('/etc/ssh/host_key')}\nPubkeyAuthentication yes\n`;
  /** A reload command that leaves a line per reload, so the test sees each one. */
  const reloadCommand = () => ['sh', '-c', `echo reload >> '${real('/reloads')}'`];
  const reloads = async () =>
    (await readFile(real('/reloads'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const onDisk = () => readFile(real(main), 'utf8');
  /** A login check that fails the first `failures` times it is asked. */
  const loginFailing = (failures: number) => {
    const calls = { n: 0 };
    const check: LoginCheck = async () =>
      ++calls.n <= failures ? { ok: false, reason: 'kw@host: CREDENTIAL_REFUSED' } : { ok: true };
    return { check, calls };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-deploy-steps-'));
    await mkdir(real('/etc/ssh/sshd_config.d'), { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', real('/etc/ssh/host_key')]);
    session = new LocalSession({ rootPrefix: root });
  });
  beforeEach(async () => {
    await writeFile(real(main), good());
    await rm(real(`${main}.keywarden-bak`), { force: true });
    await rm(real('/reloads'), { force: true });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('checks and reloads a file already in place unless the host confirmed exactly that content', async () => {
    const next = `${good()}MaxAuthTries 4\n`;
    await writeFile(real(main), next); // an earlier attempt wrote it, then stopped
    expect(
      await deploySshdConfig(session, { content: next, reloadCommand: reloadCommand() }),
    ).toEqual({ status: 'applied', written: false, reloaded: true, loginChecked: false });
    expect(await reloads()).toBe(1);
    // Confirmed for other content: still checked and reloaded.
    const otherSha = sha256Hex(good());
    await deploySshdConfig(session, {
      content: next,
      reloadCommand: reloadCommand(),
      confirmedSha256: otherSha,
    });
    expect(await reloads()).toBe(2);
    // Confirmed for this content: nothing to do.
    expect(
      await deploySshdConfig(session, {
        content: next,
        reloadCommand: reloadCommand(),
        confirmedSha256: sha256Hex(next),
      }),
    ).toEqual({ status: 'unchanged' });
    expect(await reloads()).toBe(2);
  });

  it('a confirmation does not stop the write when the file drifted from that content', async () => {
    const next = `${good()}MaxAuthTries 4\n`;
    const r = await deploySshdConfig(session, {
      content: next,
      reloadCommand: reloadCommand(),
      confirmedSha256: sha256Hex(next),
    });
    expect(r).toMatchObject({ status: 'applied', written: true, reloaded: true });
    expect(await onDisk()).toBe(next);
  });

  it('puts the previous file back and reloads it when the login check fails, then checks the login again', async () => {
    const before = good();
    const { check, calls } = loginFailing(1);
    const r = await deploySshdConfig(
      session,
      { content: `DenyUsers kw\n${before}`, reloadCommand: reloadCommand() },
      check,
    );
    expect(r).toEqual({
      status: 'rolled-back',
      stage: 'login',
      restored: 'previous',
      output: 'kw@host: CREDENTIAL_REFUSED\nlogin works again',
    });
    expect(await onDisk()).toBe(before);
    expect(await reloads()).toBe(2);
    expect(calls.n).toBe(2);
  });

  it('a new file whose login check fails is removed again', async () => {
    const inc = '/etc/ssh/sshd_config.d/50-kw.conf';
    const r = await deploySshdConfig(
      session,
      {
        path: inc,
        mainConfigPath: main,
        content: 'MaxAuthTries 3\n',
        reloadCommand: reloadCommand(),
      },
      loginFailing(5).check,
    );
    expect(r).toMatchObject({ status: 'rolled-back', stage: 'login', restored: 'removed' });
    expect(r.status === 'rolled-back' && r.output).toMatch(/login still fails/);
    await expect(stat(real(inc))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an Included file is judged in place (it cannot be judged alone) and put back when sshd refuses', async () => {
    const inc = '/etc/ssh/sshd_config.d/50-kw.conf';
    await writeFile(real(main), `${good()}Include ${real('/etc/ssh/sshd_config.d/*.conf')}\n`);
    await writeFile(real(inc), 'MaxAuthTries 3\n');
    const r = await deploySshdConfig(session, {
      path: inc,
      mainConfigPath: main,
      content: 'NoSuchKeyword yes\n',
      reloadCommand: reloadCommand(),
    });
    expect(r).toMatchObject({ status: 'rolled-back', stage: 'check', restored: 'previous' });
    expect(await readFile(real(inc), 'utf8')).toBe('MaxAuthTries 3\n');
    expect(await reloads()).toBe(0);
  });

  it('an invalid file an interrupted attempt left: its backup goes back; with no backup the failure says so', async () => {
    const bad = `${good()}NoSuchKeyword yes\n`;
    await writeFile(real(`${main}.keywarden-bak`), good());
    await writeFile(real(main), bad);
    expect(
      await deploySshdConfig(session, { content: bad, reloadCommand: reloadCommand() }),
    ).toMatchObject({
      status: 'rolled-back',
      stage: 'check',
      restored: 'backup',
    });
    expect(await onDisk()).toBe(good());

    await rm(real(`${main}.keywarden-bak`));
    await writeFile(real(main), bad);
    const r = await deploySshdConfig(session, { content: bad, reloadCommand: reloadCommand() });
    expect(r).toMatchObject({ status: 'failed-in-place', stage: 'check' });
    expect(r.status === 'failed-in-place' && r.output).toMatch(
      /NoSuchKeyword[\s\S]*no .*keywarden-bak to put back/,
    );
    expect(await reloads()).toBe(0);
  });
});
