import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFull } from '../../../shared/hostops/scan-full';
import { roundTripCounts } from '../../../shared/session/round-trips';
import { SshSession } from '../../../shared/session/ssh-session';
import type { TestSshd } from '../../helpers/sshd';
import { generateClientKey, startTestSshd } from '../../helpers/sshd';

/**
 * What one agentless scan costs the host, counted: every exec channel is a session process,
 * a shell and a sudo on the host, so the reads of a scan go to the file helper in batches,
 * and their number does not grow with the accounts and files the host holds.
 */
let sshd: TestSshd;
let keyDir = '';
let hostRoot = '';
let mgmtKey = '';
let userKey = { path: '', publicKey: '' };

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'kwt-trips-keys-'));
  const mgmt = await generateClientKey(keyDir, 'mgmt');
  userKey = await generateClientKey(keyDir, 'user');
  mgmtKey = await readFile(mgmt.path, 'utf8');
  sshd = await startTestSshd({
    users: [{ name: 'mgmt', sudo: true, authorizedKeys: `${mgmt.publicKey}\n` }],
  });
  hostRoot = await mkdtemp(join(tmpdir(), 'kwt-trips-host-'));
  await mkdir(join(hostRoot, 'etc/ssh/sshd_config.d'), { recursive: true });
  await writeFile(
    join(hostRoot, 'etc/ssh/sshd_config'),
    'Include /etc/ssh/sshd_config.d/*.conf\nHostKey /etc/ssh/ssh_host_ed25519_key\n',
  );
  await writeFile(join(hostRoot, 'etc/ssh/sshd_config.d/keys.conf'), 'PubkeyAuthentication yes\n');
  await writeFile(join(hostRoot, 'etc/ssh/ssh_host_ed25519_key.pub'), userKey.publicKey);
  await writeFile(join(hostRoot, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
});

afterAll(async () => {
  await sshd?.stop();
  await rm(keyDir, { recursive: true, force: true });
  await rm(hostRoot, { recursive: true, force: true });
});

/** A host with `count` accounts, each with an authorized key and a private key in ~/.ssh. */
async function writeAccounts(count: number): Promise<void> {
  const lines = ['root:x:0:0:root:/root:/bin/sh'];
  const privateKey = await readFile(userKey.path, 'utf8');
  for (let i = 0; i < count; i++) {
    const home = `/home/acct${i}`;
    lines.push(`acct${i}:x:${3000 + i}:${3000 + i}::${home}:/bin/sh`);
    await mkdir(join(hostRoot, home, '.ssh'), { recursive: true });
    await writeFile(join(hostRoot, home, '.ssh/authorized_keys'), userKey.publicKey);
    await writeFile(join(hostRoot, home, '.ssh/id_ed25519'), privateKey, { mode: 0o600 });
  }
  await writeFile(join(hostRoot, 'etc/passwd'), `${lines.join('\n')}\n`);
  await writeFile(join(hostRoot, 'etc/group'), 'root:x:0:\n');
}

async function countedScan(session: SshSession) {
  const before = roundTripCounts();
  const result = await scanFull(session, { journal: 'never' });
  const after = roundTripCounts();
  return {
    result,
    execChannels: after.execChannels - before.execChannels,
    helperRequests: after.helperRequests - before.helperRequests,
  };
}

describe('the round trips of one agentless scan-full through sudo', () => {
  it('cost a constant few helper requests and exec channels, whatever the number of accounts', async () => {
    const session = await SshSession.connect({
      host: sshd.address,
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      username: sshd.user('mgmt').name,
      privateKey: mgmtKey,
      rootPrefix: hostRoot,
    });
    try {
      await writeAccounts(5);
      const small = await countedScan(session);
      expect(small.result.authorizedKeys.keys).toHaveLength(5);
      expect(small.result.privateKeys.keys).toHaveLength(5);
      expect(small.result.configs.hostKeys[0]?.fingerprint).toBe(
        small.result.authorizedKeys.keys[0]?.fingerprint,
      );
      expect(small.result.configs.os?.id).toBe('debian');

      // One account's file over its cap is a finding about that file, in the same batch.
      await writeFile(join(hostRoot, 'home/acct0/.ssh/authorized_keys'), '#'.repeat(3000));
      const capped = await scanFull(session, {
        journal: 'never',
        limits: { authorizedKeysBytes: 2048 },
      });
      expect(capped.authorizedKeys.keys.map((k) => k.account)).toEqual([
        'acct1',
        'acct2',
        'acct3',
        'acct4',
      ]);
      expect(capped.authorizedKeys.findings).toEqual([
        expect.objectContaining({
          code: 'FILE_TOO_LARGE',
          account: 'acct0',
          path: '/home/acct0/.ssh/authorized_keys',
          size: 3000,
          limit: 2048,
        }),
      ]);

      await writeAccounts(40);
      const large = await countedScan(session);
      expect(large.result.authorizedKeys.keys).toHaveLength(40);
      expect(large.result.privateKeys.keys).toHaveLength(40);
      // Eight times the accounts, the same requests: every file of a kind is in one batch.
      expect(large.helperRequests).toBe(small.helperRequests);
      expect(large.helperRequests).toBeLessThanOrEqual(40);
      // The file helper was started by the first scan; each scan runs sshd -V and ssh -V.
      expect(small.execChannels).toBeLessThanOrEqual(2);
      expect(large.execChannels).toBe(1);
    } finally {
      await session.close();
    }
  });
});
