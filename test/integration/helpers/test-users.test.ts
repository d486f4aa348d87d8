/**
 * The test-account helper leaves no account behind: not when a setup step fails after the
 * account was made, and not after a run that was killed (the next run removes those).
 * Leftover `kwt*` accounts are read by every later scan of this machine.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestUser,
  removeStaleTestUsers,
  removeTestUsers,
  TEST_USER_PREFIX,
} from '../../helpers/sshd-users';

const run = promisify(execFile);
const accounts = async () =>
  (await readFile('/etc/passwd', 'utf8'))
    .split('\n')
    .map((l) => l.split(':')[0] ?? '')
    .filter((n) => n.startsWith(TEST_USER_PREFIX));

/** A pid that no process has any more (a child that has exited). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return child.pid as number;
}

describe('test accounts', () => {
  let homes: string;
  beforeAll(async () => {
    homes = await mkdtemp(join(tmpdir(), 'kwt-users-'));
  });
  afterAll(async () => rm(homes, { recursive: true, force: true }));

  it('removes the account again when a step after its creation fails', async () => {
    const label = `brk${randomBytes(3).toString('hex')}`;
    // chpasswd refuses the second line (no colon) after useradd has made the account.
    await expect(
      createTestUser({ name: label, password: 'first\nsecond-line' }, homes),
    ).rejects.toThrow();
    expect((await accounts()).filter((n) => n.endsWith(label))).toEqual([]);
  });

  it('removes accounts whose run is gone and keeps those of runs still going', async () => {
    const tag = randomBytes(3).toString('hex');
    const orphan = `${TEST_USER_PREFIX}${tag}orphan`;
    const unmarked = `${TEST_USER_PREFIX}${tag}nohome`;
    const mine = await createTestUser({ name: `live${tag}` }, homes);
    try {
      const dead = await deadPid();
      await run('useradd', ['--comment', `keywarden-test pid=${dead}`, orphan]);
      // Made before accounts were marked, and its test dir is gone.
      await run('useradd', ['--home-dir', join(homes, 'gone', unmarked), unmarked]);
      const removed = await removeStaleTestUsers();
      expect(removed).toEqual(expect.arrayContaining([orphan, unmarked]));
      expect(removed).not.toContain(mine.name);
      const left = await accounts();
      expect(left).not.toContain(orphan);
      expect(left).not.toContain(unmarked);
      expect(left).toContain(mine.name);
    } finally {
      await removeTestUsers([mine]);
      for (const n of [orphan, unmarked]) await run('userdel', [n]).catch(() => undefined);
    }
  });
});
