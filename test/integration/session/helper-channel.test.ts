import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../shared/errors';
import { GUARDED_HELPER, GuardedHelperFiles } from '../../../shared/session/guarded-helper';
import { HelperChannel } from '../../../shared/session/helper-channel';
import { connectSsh } from '../../../shared/session/ssh-connect';
import { commandLine, execOverSsh } from '../../../shared/session/ssh-exec';
import type { SudoShell } from '../../../shared/session/sudo-file-primitives';
import { SudoFilePrimitives } from '../../../shared/session/sudo-file-primitives';
import type { TestSshd } from '../../helpers/sshd';
import { generateClientKey, startTestSshd } from '../../helpers/sshd';

let sshd: TestSshd;
let client: Client;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwt-helper-'));
  const root = await generateClientKey(dir, 'root');
  sshd = await startTestSshd({ rootAuthorizedKeys: `${root.publicKey}\n` });
  client = await connectSsh({
    host: sshd.address,
    port: sshd.port,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    username: 'root',
    privateKey: await readFile(root.path, 'utf8'),
  });
  await writeFile(join(dir, 'file'), 'content\n');
});
afterAll(async () => {
  client?.end();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

const guard = { base: '/', trustedUid: 0 };

describe('the file helper as one process per session', () => {
  it('answers many requests in turn, binary content and names included', async () => {
    const serve = commandLine('perl', ['-e', GUARDED_HELPER, '--', 'serve']);
    const files = new GuardedHelperFiles(new HelperChannel(client, serve).run, dir);
    const bytes = Buffer.from([0, 10, 255, 13, 10, 0]);
    const names = ['a', 'with space', "quote'and\nnewline", 'ünï'];
    await Promise.all(
      names.map((n) => files.createFile(`/${n}`, bytes, { uid: 0, gid: 0, mode: 0o640 }, guard)),
    );
    for (const n of names) {
      expect((await files.readGuarded(`/${n}`, guard))?.content).toEqual(bytes);
    }
    expect((await files.readGuarded('/file', guard))?.content.toString()).toBe('content\n');
    expect(await files.readGuarded('/missing', guard)).toBeNull();
  });

  it('takes a batch answer of megabytes in one request, every byte in place', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    await writeFile(join(dir, 'big'), big);
    const serve = commandLine('perl', ['-e', GUARDED_HELPER, '--', 'serve']);
    const files = new GuardedHelperFiles(new HelperChannel(client, serve).run, dir);
    const answers = await files.many([
      { op: 'read', path: '/big', maxBytes: big.length },
      { op: 'read', path: '/file', maxBytes: 100 },
      { op: 'read', path: '/big', maxBytes: big.length },
    ]);
    expect(answers[0]?.content?.equals(big)).toBe(true);
    expect(answers[1]?.content?.toString()).toBe('content\n');
    expect(answers[2]?.content?.equals(big)).toBe(true);
  });

  it('starts a new helper after one stopped, and says why a call failed', async () => {
    // This helper dies after a second, whatever it is doing.
    const dying = commandLine('timeout', ['1', 'perl', '-e', GUARDED_HELPER, '--', 'serve']);
    const files = new GuardedHelperFiles(new HelperChannel(client, dying).run, dir);
    expect((await files.readGuarded('/file', guard))?.content.toString()).toBe('content\n');
    const diedBy = Date.now() + 1_500;
    while (Date.now() < diedBy) await new Promise((r) => setTimeout(r, 100));
    // The first helper is gone: a call meeting it while it dies is refused, never hangs, and
    // the next one gets a new helper.
    const first = await files.readGuarded('/file', guard).then(
      (r) => r?.content.toString(),
      (err: unknown) => errorCode(err),
    );
    expect(['content\n', 'COMMAND_FAILED']).toContain(first);
    expect((await files.readGuarded('/file', guard))?.content.toString()).toBe('content\n');

    const missing = commandLine('no-such-helper-binary', []);
    const broken = new GuardedHelperFiles(new HelperChannel(client, missing).run, dir);
    await expect(broken.readGuarded('/file', guard)).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringMatching(/no-such-helper-binary/),
    });
  });

  it('answers the reads of a host without perl one shell call each, and only the guarded calls fail', async () => {
    const noPerl = new HelperChannel(client, commandLine('no-such-perl-binary', [])).run;
    const sh: SudoShell = (script, args) =>
      execOverSsh(client, commandLine('sh', ['-c', script, 'sh', ...args]));
    const files = new SudoFilePrimitives(sh, dir, noPerl);
    expect(await files.stat('/file')).toMatchObject({ type: 'file', size: 8 });
    const answers = await files.many([
      { op: 'lstat', path: '/missing' },
      { op: 'read', path: '/file', maxBytes: 100 },
      { op: 'read', path: '/file', maxBytes: 4 },
      { op: 'readDir', path: '/' },
      { op: 'read', path: '/file', maxBytes: 100, guard },
    ]);
    expect(answers[0]).toEqual({ stat: null });
    expect(answers[1]?.content?.toString()).toBe('content\n');
    expect(errorCode(answers[2]?.error)).toBe('FILE_TOO_LARGE');
    expect(answers[3]?.entries?.map((e) => e.name)).toContain('file');
    expect(answers[4]?.error).toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringMatching(/no-such-perl-binary/),
    });
  });

  it('closes a helper that announces an answer over the cap, and says so', async () => {
    // A "helper" that answers every request with a header promising 100 MB.
    const liar = commandLine('sh', ['-c', 'head -c 1 >/dev/null; echo "0 100000000 0"; sleep 5']);
    const files = new GuardedHelperFiles(new HelperChannel(client, liar, 10_000, 1024).run, dir);
    await expect(files.lstat('/file')).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringMatching(/over the cap of 1024/),
    });
  });
});
