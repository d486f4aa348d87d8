import { spawn } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../shared/errors';
import type { FileAnswer, FileRequest } from '../../../shared/session/file-batch';
import { BATCH_LIMITS } from '../../../shared/session/file-batch';
import type { PathGuard } from '../../../shared/session/file-primitives';
import { GUARDED_HELPER, GuardedHelperFiles } from '../../../shared/session/guarded-helper';
import { encodeBatch } from '../../../shared/session/helper-batch';
import { LocalFilePrimitives } from '../../../shared/session/local-file-primitives';
import type { RawExecResult } from '../../../shared/session/ssh-exec';

/** The remote helper, run here as root exactly as sudo or an SSH exec would run it. */
function runHelperLocally(args: string[], stdin?: Buffer): Promise<RawExecResult> {
  return new Promise((resolve) => {
    const child = spawn('perl', ['-e', GUARDED_HELPER, '--', ...args]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }),
    );
    child.stdin.end(stdin ?? '');
  });
}

/** The helper runner, recording each round trip's arguments and raw answer. */
function recordingHelper() {
  const calls: { args: string[]; result: RawExecResult }[] = [];
  const run = async (args: string[], stdin?: Buffer) => {
    const result = await runHelperLocally(args, stdin);
    calls.push({ args, result });
    return result;
  };
  return { run, calls };
}

const USER = { uid: 1802, gid: 1802 };
let root = '';
const real = (p: string) => join(root, p);
const home = (p = '') => `/home/u${p}`;
const guard: PathGuard = { base: home(), trustedUid: USER.uid };
const SECRET = 'root-only-secret\n';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kwt-batched-'));
  await mkdir(real(home('/.ssh')), { recursive: true });
  await chown(real(home()), USER.uid, USER.gid);
  await chown(real(home('/.ssh')), USER.uid, USER.gid);
  await mkdir(real('/outside'));
  await writeFile(real('/outside/secret'), SECRET, { mode: 0o600 });
  await symlink(real('/outside'), real(home('/linked-dir')));
  await symlink(real('/outside/secret'), real(home('/.ssh/linked-file')));
  await writeFile(real(home('/.ssh/authorized_keys')), 'keys\n');
  await chown(real(home('/.ssh/authorized_keys')), USER.uid, USER.gid);
  // A directory of another user on the way: StrictModes refuses what lies below it.
  await mkdir(real('/home/other/.ssh'), { recursive: true });
  await writeFile(real('/home/other/.ssh/authorized_keys'), 'other\n');
  await chown(real('/home/other'), USER.uid + 1, USER.gid + 1);
  await writeFile(real('/big'), 'x'.repeat(5000));
  for (const n of [1, 2, 3]) await writeFile(real(`/six-${n}`), String(n).repeat(6000));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => errorCode(err) ?? String(err),
  );
const answerCode = (a: FileAnswer) => (a.error === undefined ? 'ok' : errorCode(a.error));
type Batched = Pick<LocalFilePrimitives, 'many' | 'readGuarded'>;

describe.each([
  ['the agent (node fs)', () => new LocalFilePrimitives(root) as Batched],
  ['the remote helper (perl)', () => new GuardedHelperFiles(runHelperLocally, root) as Batched],
])('a batch of reads through %s', (_name, make) => {
  it('refuses a link and a foreign-owned directory inside a batch exactly as the single read does', async () => {
    const fs = make();
    const foreign: PathGuard = { base: '/home/other', trustedUid: USER.uid };
    const requests: { path: string; guard: PathGuard }[] = [
      { path: home('/.ssh/linked-file'), guard },
      { path: home('/.ssh/authorized_keys'), guard },
      { path: home('/linked-dir/secret'), guard },
      { path: '/home/other/.ssh/authorized_keys', guard: foreign },
    ];
    const answers = await fs.many(
      requests.map((r) => ({ op: 'read', path: r.path, maxBytes: 1024, guard: r.guard })),
    );
    expect(answers.map(answerCode)).toEqual([
      'SYMLINK_REFUSED',
      'ok',
      'SYMLINK_REFUSED',
      'UNSAFE_PATH',
    ]);
    const single = await Promise.all(requests.map((r) => codeOf(fs.readGuarded(r.path, r.guard))));
    expect(single).toEqual(['SYMLINK_REFUSED', 'resolved', 'SYMLINK_REFUSED', 'UNSAFE_PATH']);
    expect(answers[1]?.content?.toString()).toBe('keys\n');
    for (const a of answers) expect(a.content?.toString() ?? '').not.toContain('secret');
  });

  it('refuses a file over its cap and anything but a regular file, with size and limit', async () => {
    const fs = make();
    const answers = await fs.many([
      { op: 'read', path: '/big', maxBytes: 4096 },
      { op: 'read', path: '/outside', maxBytes: 4096 },
      { op: 'read', path: '/missing', maxBytes: 4096 },
      { op: 'read', path: '/big', maxBytes: 5000 },
      { op: 'stat', path: '/big' },
      { op: 'lstat', path: '/missing' },
    ]);
    expect(answers.map(answerCode)).toEqual([
      'FILE_TOO_LARGE',
      'LIMIT_EXCEEDED',
      'NOT_FOUND',
      'ok',
      'ok',
      'ok',
    ]);
    expect(answers[0]?.error).toMatchObject({ details: { size: 5000, limit: 4096 } });
    expect(answers[3]?.content?.length).toBe(5000);
    expect(answers[4]?.stat).toMatchObject({ type: 'file', size: 5000 });
    expect(answers[5]?.stat).toBeNull();
  });
});

describe('the caps of one helper round trip', () => {
  it('never sends the bytes of a file over its cap', async () => {
    const helper = recordingHelper();
    const files = new GuardedHelperFiles(helper.run, root);
    await files.many([{ op: 'read', path: '/big', maxBytes: 100 }]);
    expect(helper.calls).toHaveLength(1);
    expect(helper.calls[0]!.result.stdout.toString()).not.toContain('xxx');
  });

  it('defers what goes past the bytes of a round trip to the next one, and still reads it all', async () => {
    const helper = recordingHelper();
    const files = new GuardedHelperFiles(helper.run, root, {
      ...BATCH_LIMITS,
      bytes: 10_000,
    });
    const requests: FileRequest[] = [1, 2, 3].map((n) => ({
      op: 'read',
      path: `/six-${n}`,
      maxBytes: 8000,
    }));
    const answers = await files.many(requests);
    expect(answers.map((a) => a.content?.toString())).toEqual(
      [1, 2, 3].map((n) => String(n).repeat(6000)),
    );
    // 6000 bytes each against 10,000 a round trip: one file per answer.
    expect(helper.calls).toHaveLength(3);
    for (const c of helper.calls) expect(c.result.stdout.length).toBeLessThan(10_000);
  });

  it('defers past the deadline of a round trip, running at least one request each time', async () => {
    const helper = recordingHelper();
    const files = new GuardedHelperFiles(helper.run, root, { ...BATCH_LIMITS, deadlineMs: 0 });
    const answers = await files.many([1, 2, 3].map((n) => ({ op: 'stat', path: `/six-${n}` })));
    expect(answers.map((a) => a.stat?.size)).toEqual([6000, 6000, 6000]);
    expect(helper.calls).toHaveLength(3);
  });

  it('splits a long list into batches of the count cap, and the helper refuses a longer batch', async () => {
    const helper = recordingHelper();
    const files = new GuardedHelperFiles(helper.run, root);
    const many = Array.from({ length: 2500 }, (_, i): FileRequest => ({
      op: 'lstat',
      path: i % 2 ? '/big' : '/missing',
    }));
    const answers = await files.many(many);
    expect(answers.filter((a) => a.stat).length).toBe(1250);
    expect(helper.calls).toHaveLength(3);

    const tooMany = Array.from({ length: BATCH_LIMITS.requests + 1 }, () => [
      'lstat',
      root,
      '/',
      '/big',
      '0',
    ]);
    const raw = await runHelperLocally(['batch', '1000000', '10000'], encodeBatch(tooMany));
    expect(raw.code).toBe(6);
    expect(raw.stderr.toString()).toMatch(/over the cap of 1024/);
    const refused = new GuardedHelperFiles(runHelperLocally, root, {
      ...BATCH_LIMITS,
      requests: 2000,
    });
    await expect(refused.many(many)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses anything but reads inside a batch', async () => {
    const create = ['create', root, '/', '/made-by-batch', '0', '0', '0', '600'];
    const raw = await runHelperLocally(['batch', '1000000', '10000'], encodeBatch([create]));
    expect(raw.code).toBe(6);
    expect(raw.stderr.toString()).toMatch(/only reads go in a batch/);
    const files = new LocalFilePrimitives(root);
    expect(await files.lstat('/made-by-batch')).toBeNull();
  });
});
