import {
  chmod,
  chown,
  lstat,
  mkdir,
  readFile,
  readdir,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../shared/errors';
import type { FileStat, HostSession } from '../../../shared/session/host-session';

export interface ContractFixture {
  session: HostSession;
  /** The real directory the session maps host '/' onto. */
  rootDir: string;
  /** An account (not root) whose ownership writes must keep. */
  owner: { uid: number; gid: number };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return errorCode(err);
  }
  return 'resolved';
}

/** What every HostSession must do, whatever transport carries it. */
export function describeSessionContract(
  name: string,
  setup: () => Promise<ContractFixture>,
  teardown: () => Promise<void>,
) {
  describe(`HostSession contract: ${name}`, () => {
    let fx: ContractFixture;
    let s: HostSession;
    const real = (p: string) => join(fx.rootDir, p);

    beforeAll(async () => {
      fx = await setup();
      s = fx.session;
      await mkdir(real('/home/alice/.ssh'), { recursive: true });
      await mkdir(real('/etc'), { recursive: true });
      await writeFile(
        real('/etc/passwd'),
        'root:x:0:0:root:/root:/bin/bash\nalice:x:1500:1500:Alice:/home/alice:/bin/sh\nbroken line\n',
      );
      await writeFile(real('/etc/group'), 'root:x:0:\nstaff:x:50:alice,bob\n');
    });
    afterAll(teardown);

    it('reads a file with its stat and hash, and reports missing paths', async () => {
      await writeFile(real('/home/alice/.ssh/config'), 'Host *\n');
      const got = await s.readFile('/home/alice/.ssh/config');
      expect(got.content.toString()).toBe('Host *\n');
      expect(got.stat).toMatchObject({ type: 'file', size: 7 });
      expect(got.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await codeOf(s.readFile('/home/alice/nothing'))).toBe('NOT_FOUND');
      expect(await s.stat('/home/alice/nothing')).toBeNull();
      expect(await codeOf(s.readFile('relative/path'))).toBe('INVALID_INPUT');
    });

    it('writes atomically, keeping owner and mode, and keeps a backup', async () => {
      const file = real('/home/alice/.ssh/authorized_keys');
      await writeFile(file, 'old line\n');
      await chown(file, fx.owner.uid, fx.owner.gid);
      await chmod(file, 0o640);
      const before = await s.readFile('/home/alice/.ssh/authorized_keys');
      const st = await s.writeFileAtomic('/home/alice/.ssh/authorized_keys', 'new line\n', {
        expectedSha256: before.sha256,
      });
      expect(st).toMatchObject({ type: 'file', mode: 0o640, uid: fx.owner.uid, gid: fx.owner.gid });
      expect(await readFile(file, 'utf8')).toBe('new line\n');
      const disk = await lstat(file);
      expect([disk.uid, disk.mode & 0o7777]).toEqual([fx.owner.uid, 0o640]);
      expect(await readFile(`${file}.keywarden-bak`, 'utf8')).toBe('old line\n');
      expect((await lstat(`${file}.keywarden-bak`)).mode & 0o7777).toBe(0o640);
      const leftovers = (await readdir(real('/home/alice/.ssh'))).filter((n) => n.includes('tmp'));
      expect(leftovers).toEqual([]);
    });

    it('creates a new file with the requested owner and mode', async () => {
      const st = await s.writeFileAtomic('/home/alice/.ssh/new_file', Buffer.from([0, 1, 2, 255]), {
        mode: 0o600,
        uid: fx.owner.uid,
        gid: fx.owner.gid,
        expectAbsent: true,
      });
      expect(st).toMatchObject({ mode: 0o600, uid: fx.owner.uid, size: 4 });
      expect([...(await readFile(real('/home/alice/.ssh/new_file')))]).toEqual([0, 1, 2, 255]);
    });

    it('refuses a file that changed since it was read, and writes nothing', async () => {
      const file = real('/home/alice/.ssh/changing');
      await writeFile(file, 'first\n');
      const read = await s.readFile('/home/alice/.ssh/changing');
      await writeFile(file, 'someone else\n');
      expect(
        await codeOf(
          s.writeFileAtomic('/home/alice/.ssh/changing', 'ours\n', { expectedSha256: read.sha256 }),
        ),
      ).toBe('FILE_CHANGED');
      expect(
        await codeOf(
          s.writeFileAtomic('/home/alice/.ssh/changing', 'ours\n', { expectAbsent: true }),
        ),
      ).toBe('FILE_CHANGED');
      expect(await readFile(file, 'utf8')).toBe('someone else\n');
    });

    it('loses no line when many edits of one file run at once: each is written or refused', async () => {
      const file = '/home/alice/.ssh/concurrent_keys';
      await writeFile(real(file), 'line-base\n');
      await chown(real(file), fx.owner.uid, fx.owner.gid);
      // 12 read-modify-write edits at once, each retried on FILE_CHANGED like a job would be
      const addLine = async (n: number) => {
        for (;;) {
          const read = await s.readFile(file);
          try {
            await s.writeFileAtomic(file, `${read.content.toString()}line-${n}\n`, {
              expectedSha256: read.sha256,
              backup: false,
            });
            return;
          } catch (err) {
            if (errorCode(err) !== 'FILE_CHANGED') throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: 12 }, (_, n) => addLine(n)));
      const lines = (await readFile(real(file), 'utf8')).split('\n').filter(Boolean);
      expect(lines.toSorted()).toEqual(
        ['line-base', ...Array.from({ length: 12 }, (_, n) => `line-${n}`)].toSorted(),
      );
    });

    it('refuses to write through a symlink, final or in the middle of the path', async () => {
      await mkdir(real('/outside'), { recursive: true });
      await writeFile(real('/outside/target'), 'precious\n');
      await symlink(real('/outside/target'), real('/home/alice/.ssh/linked'));
      await mkdir(real('/home/bob'), { recursive: true });
      await symlink(real('/outside'), real('/home/bob/.ssh'));
      expect(await codeOf(s.writeFileAtomic('/home/alice/.ssh/linked', 'evil\n'))).toBe(
        'SYMLINK_REFUSED',
      );
      expect(await codeOf(s.writeFileAtomic('/home/bob/.ssh/target', 'evil\n'))).toBe(
        'SYMLINK_REFUSED',
      );
      expect(
        await codeOf(
          s.writeFileAtomic('/home/bob/.ssh/target', 'evil\n', { noSymlinksBelow: '/home/bob' }),
        ),
      ).toBe('SYMLINK_REFUSED');
      expect(await readFile(real('/outside/target'), 'utf8')).toBe('precious\n');
      expect((await s.lstat('/home/alice/.ssh/linked'))?.type).toBe('symlink');
    });

    it('lists, creates and removes directories with owner and mode', async () => {
      await s.mkdir('/home/alice/made/deeper', {
        mode: 0o700,
        uid: fx.owner.uid,
        gid: fx.owner.gid,
        recursive: true,
      });
      const st = await lstat(real('/home/alice/made/deeper'));
      expect([st.mode & 0o7777, st.uid]).toEqual([0o700, fx.owner.uid]);
      const names = (await s.listDir('/home/alice')).map((e) => `${e.name}:${e.type}`);
      expect(names).toEqual(expect.arrayContaining(['.ssh:directory', 'made:directory']));
      await s.remove('/home/alice/made/deeper');
      await s.remove('/home/alice/made/deeper'); // already gone: fine
      expect(await s.stat('/home/alice/made/deeper')).toBeNull();
    });

    it('runs commands with stdin and reports exit code and both outputs', async () => {
      const r = await s.exec('sh', ['-c', 'cat; echo "to err" >&2; exit 3'], {
        stdin: 'hello $HOME\n',
      });
      expect(r).toEqual({ code: 3, stdout: 'hello $HOME\n', stderr: 'to err\n' });
      const quoted = await s.exec('printf', ['%s|', "it's", 'a b', '$x']);
      expect(quoted.stdout).toBe("it's|a b|$x|");
      expect(s.commandPath('/etc/ssh/sshd_config')).toBe(real('/etc/ssh/sshd_config'));
    });

    it('answers a batch of stats, listings and capped reads as the single calls do', async () => {
      const dir = '/home/alice/.ssh';
      await writeFile(real(`${dir}/batch-a`), 'aaa\n');
      await writeFile(real(`${dir}/batch-big`), 'b'.repeat(300));
      await symlink('batch-a', real(`${dir}/batch-link`));
      const paths = [`${dir}/batch-a`, `${dir}/batch-link`, '/home/alice/nothing'];
      const shape = (st: FileStat | null) => st && { type: st.type, size: st.size, uid: st.uid };
      expect((await s.statMany(paths)).map(shape)).toEqual(
        (await Promise.all(paths.map((p) => s.lstat(p)))).map(shape),
      );
      expect((await s.statMany(paths, { follow: true })).map(shape)).toEqual(
        (await Promise.all(paths.map((p) => s.stat(p)))).map(shape),
      );
      const noLinks = { noSymlinksBelow: '/home/alice' };
      const reads = await s.readMany([
        { path: `${dir}/batch-a`, maxBytes: 100 },
        { path: `${dir}/batch-big`, maxBytes: 100 },
        { path: `${dir}/batch-link`, maxBytes: 100 },
        { path: `${dir}/batch-link`, maxBytes: 100, guarded: noLinks },
        { path: '/home/alice/nothing', maxBytes: 100 },
        { path: dir, maxBytes: 100 },
        { path: `${dir}/batch-a`, maxBytes: 100, guarded: { ...noLinks, accountUid: 1500 } },
      ]);
      expect(reads.map((r) => (r.ok ? 'ok' : errorCode(r.error)))).toEqual([
        'ok',
        'FILE_TOO_LARGE',
        'ok',
        'SYMLINK_REFUSED',
        'NOT_FOUND',
        'LIMIT_EXCEEDED',
        'ok',
      ]);
      // The single guarded read refuses the same link.
      expect(await codeOf(s.readFile(`${dir}/batch-link`, noLinks))).toBe('SYMLINK_REFUSED');
      const single = await s.readFile(`${dir}/batch-a`);
      expect(reads[0]).toMatchObject({ ok: true, read: { sha256: single.sha256 } });
      expect(reads[2]).toMatchObject({ ok: true, read: { sha256: single.sha256 } });
      expect(reads[1]).toMatchObject({ error: { details: { size: 300, limit: 100 } } });
      const [listed, missing] = await s.listDirMany([dir, '/home/alice/nothing']);
      expect(listed).toEqual({ ok: true, entries: await s.listDir(dir) });
      expect(missing && !missing.ok && errorCode(missing.error)).toBe('NOT_FOUND');
    });

    it('lists accounts and groups from the host files', async () => {
      expect(await s.listAccounts()).toEqual([
        { name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/bash' },
        {
          name: 'alice',
          uid: 1500,
          gid: 1500,
          gecos: 'Alice',
          home: '/home/alice',
          shell: '/bin/sh',
        },
      ]);
      expect(await s.listGroups()).toEqual([
        { name: 'root', gid: 0, members: [] },
        { name: 'staff', gid: 50, members: ['alice', 'bob'] },
      ]);
    });
  });
}
