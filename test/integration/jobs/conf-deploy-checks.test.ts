/**
 * A config deploy cannot strand a host, judged by a real sshd: the candidate is checked
 * before it goes live, every attempt checks and reloads unless the host confirmed this
 * exact content, and a config that passes sshd -t but shuts out the login Keywarden used is
 * rolled back. These run over the direct route (the job's own SSH credentials, root here).
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../../controller/inventory/host-target';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { rootConnection, runJob, type ClientKey } from './host-job-harness';

describe('sshd config deploys that cannot strand a host', () => {
  let sshd: TestSshd;
  let eng: TestEngine;
  let connection: Connection;
  let keyDir = '';
  let root: ClientKey;
  let original = '';
  const reload = () => ['sh', '-c', `kill -HUP "$(cat '${sshd.pidPath}')"`];
  const deploy = (content: string) =>
    runJob(eng, 'conf-deploy-host', {
      connection,
      path: sshd.configPath,
      reloadCommand: reload(),
      content,
    });
  /** sshd logs each reload it takes (SIGHUP) before re-executing. */
  const reloads = async () =>
    (await readFile(sshd.logPath, 'utf8')).split('\n').filter((l) => /Received SIGHUP/.test(l))
      .length;
  const rootLogin = async () => {
    let last = await sshLogin({
      host: sshd.address,
      port: sshd.port,
      user: 'root',
      identityFile: root.path,
    });
    for (let i = 0; i < 40 && last.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 150));
      last = await sshLogin({
        host: sshd.address,
        port: sshd.port,
        user: 'root',
        identityFile: root.path,
      });
    }
    return last;
  };
  /** What an attempt leaves when it wrote the file and was interrupted before any check. */
  const interruptedAttemptWrote = async (content: string) => {
    await writeFile(`${sshd.configPath}.keywarden-bak`, await readFile(sshd.configPath));
    await writeFile(sshd.configPath, content);
  };

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-deploy-'));
    root = await generateClientKey(keyDir, 'root');
    sshd = await startTestSshd({ rootAuthorizedKeys: `${root.publicKey}\n` });
    // This sshd's config file and reload are not the system's: an admin allows them.
    eng = await startTestEngine({
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]),
        KEYWARDEN_ALLOWED_RELOAD_COMMANDS: JSON.stringify([reload()]),
      },
    });
    connection = await rootConnection(sshd, root);
    original = await readFile(sshd.configPath, 'utf8');
  });

  beforeEach(async () => {
    await writeFile(sshd.configPath, original);
    await rm(`${sshd.configPath}.keywarden-bak`, { force: true });
  });

  afterAll(async () => {
    await eng?.stop();
    await sshd?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('checks the candidate with sshd -t before it replaces the live file', async () => {
    const live = await stat(sshd.configPath);
    const job = await deploy(`${original}NoSuchKeyword yes\n`);
    expect(job).toMatchObject({
      state: 'failed',
      error: {
        code: 'COMMAND_FAILED',
        message: expect.stringMatching(/check stage.*not touched.*NoSuchKeyword/s),
      },
    });
    // Not even written and put back: the same file, never renamed over.
    const after = await stat(sshd.configPath);
    expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({
      ino: live.ino,
      mtimeMs: live.mtimeMs,
    });
    await expect(stat(`${sshd.configPath}.keywarden-new`)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('a retry after an attempt that wrote the file checks and reloads it; once confirmed, the same content is left alone', async () => {
    const content = `MaxAuthTries 5\n${original}`;
    await interruptedAttemptWrote(content);
    const before = await reloads();
    const retry = await deploy(content);
    expect(retry.state, JSON.stringify(retry.error)).toBe('completed');
    expect(retry.result).toMatchObject({
      status: 'applied',
      written: false,
      reloaded: true,
      loginChecked: true,
      confirmed: true,
    });
    expect(await reloads()).toBe(before + 1);
    expect((await rootLogin()).code).toBe(0);

    // The host confirmed this content: nothing to check or reload.
    const again = await deploy(content);
    expect(again).toMatchObject({ state: 'completed', result: { status: 'unchanged' } });
    expect(await reloads()).toBe(before + 1);
  });

  it('an invalid config an interrupted attempt left on disk fails the deploy, and the backup goes back', async () => {
    const bad = `${original}NoSuchKeyword yes\n`;
    await interruptedAttemptWrote(bad);
    const job = await deploy(bad);
    expect(job).toMatchObject({
      state: 'failed',
      error: {
        code: 'COMMAND_FAILED',
        message: expect.stringMatching(/check stage.*put back.*NoSuchKeyword/s),
      },
    });
    expect(await readFile(sshd.configPath, 'utf8')).toBe(original);
  });

  it('rolls back a config that passes sshd -t but refuses the login the deploy used', async () => {
    const before = await reloads();
    const job = await deploy(`DenyUsers root\n${original}`);
    expect(job).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: {
        code: 'DEPLOY_ROLLED_BACK',
        message: expect.stringMatching(
          /login check after the reload failed.*previous file was put back.*login works again/s,
        ),
      },
    });
    expect(await readFile(sshd.configPath, 'utf8')).toBe(original);
    // Reloaded with the new file, then with the old one again.
    expect(await reloads()).toBe(before + 2);
    expect((await rootLogin()).code).toBe(0);
  });
});
