/**
 * The gateway's limits: a session whose recording reaches the size limit is ended (never
 * left to go on unrecorded), a command instead of a shell is refused unless allowed, and a
 * host offering another host key than the pinned one is never logged in to.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startGatewayFixture,
  sshThroughGateway,
  type GatewayFixture,
  type Key,
} from './gateway-fixture';

const LIMIT = 20_000;

describe('session gateway limits and refusals', () => {
  let fx: GatewayFixture;
  let alice: Key;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      env: { KEYWARDEN_GATEWAY_RECORDING_MAX_BYTES: String(LIMIT) },
    });
    const a = await fx.addPerson('alice');
    alice = a.key;
    await fx.grant(a.person);
  }, 300_000);

  afterAll(async () => {
    await fx?.stop();
  });

  it('ends a session whose recording reaches the size limit, and says why', async () => {
    const res = await sshThroughGateway(fx, alice, {
      input: 'head -c 200000 /dev/zero | base64\nsleep 30\nexit\n',
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('recording size limit');
    const [s] = await fx.sessions();
    expect(s).toMatchObject({ state: 'terminated', recordingTruncated: true });
    const dataDir = fx.ctl.services.config.dataDir;
    const size =
      (await stat(join(dataDir, s?.recordingPath as string))).size +
      (await stat(join(dataDir, s?.inputPath as string))).size;
    expect(size).toBeLessThanOrEqual(LIMIT);
    // What reached the person is what was recorded: nothing past the limit.
    expect(res.stdout.length).toBeLessThan(LIMIT);
  });

  it('refuses a command instead of a shell by default, tells the person, and records it', async () => {
    const exec = await sshThroughGateway(fx, alice, {
      args: ['-T', '-o', 'RemoteCommand=id'],
      timeoutMs: 30_000,
    });
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain('commands are not allowed through the gateway');
    expect(exec.stdout).not.toContain('uid=');
    const events = await Promise.all((await fx.sessions()).map((s) => fx.events(s.id)));
    expect(events.flat().map((e) => e.type)).toContain('refused:exec');
  });

  it('refuses to connect to a host whose key is not the pinned one, and leaves no key there', async () => {
    await fx.host.changeHostKey();
    const res = await sshThroughGateway(fx, alice, { input: 'echo should-not-run\nexit\n' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('not the pinned');
    expect(res.stdout).not.toContain('should-not-run');
    const [s] = await fx.sessions();
    expect(s).toMatchObject({ state: 'failed', authorizationId: null });
    expect(s?.reason).toContain('offered host key');
    expect(await fx.keysFile()).not.toContain(`keywarden-gateway-session-${s?.id}`);
  });
});
