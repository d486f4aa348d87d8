import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPrivateKeys } from '../../../shared/hostops/scan-private-keys';
import type { ListDirOutcome } from '../../../shared/session/host-session';
import { LocalSession } from '../../../shared/session/local-session';

/**
 * An account removed while a scan runs (userdel -r between the scan's look at ~/.ssh and
 * its listing) is no reason to fail the scan of every other account: the fleet's CI hosts
 * add and remove accounts all the time. The removal is real; the session only picks the
 * moment, which a real race would leave to chance.
 */
class RemovesHomeBeforeListing extends LocalSession {
  constructor(
    root: string,
    private readonly doomedHome: string,
  ) {
    super({ rootPrefix: root });
  }
  override async listDirMany(paths: readonly string[]): Promise<ListDirOutcome[]> {
    await rm(this.doomedHome, { recursive: true, force: true });
    return super.listDirMany(paths);
  }
}

describe('a private-key scan while an account is removed', () => {
  let root = '';
  const real = (p: string) => join(root, p);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-vanish-'));
    await mkdir(real('/etc'), { recursive: true });
    await writeFile(
      real('/etc/passwd'),
      'alice:x:1500:1500::/home/alice:/bin/sh\nbob:x:1501:1501::/home/bob:/bin/sh\n',
    );
    for (const who of ['alice', 'bob']) {
      await mkdir(real(`/home/${who}/.ssh`), { recursive: true });
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        who,
        '-f',
        real(`/home/${who}/.ssh/id_ed25519`),
      ]);
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("finds the other accounts' keys when one ~/.ssh is gone by the time it is listed", async () => {
    const session = new RemovesHomeBeforeListing(root, real('/home/bob'));
    const result = await scanPrivateKeys(session);
    expect(result.keys.map((k) => k.path)).toEqual(['/home/alice/.ssh/id_ed25519']);
  });
});
