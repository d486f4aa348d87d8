/**
 * Recordings on several controllers: two controllers on one MongoDB store (FerretDB), the
 * session recorded by the one with the gateway, downloaded from the other, which has its own
 * data directory and never saw the files; retention removes the shared copy too.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeRecordings } from '../../../controller/gateway/purge-recordings';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { startGatewayFixture, sshThroughGateway, type GatewayFixture } from './gateway-fixture';

describe('session gateway: a recording made on one controller is served by another', () => {
  let mongo: TestMongo;
  let recorder: TestController | undefined;
  let other: TestController;
  let fx: GatewayFixture;

  // FerretDB on a loaded machine can answer a lease renewal after the helper's 5 s lease;
  // controllers of one store share the master key (either may run the host's jobs).
  const lease = {
    KEYWARDEN_LEASE: '30s',
    KEYWARDEN_MASTER_KEY: randomBytes(32).toString('base64'),
  };
  // Placing the session key goes through jobs on FerretDB: slow under load, not stuck.
  const slowStore = { KEYWARDEN_GATEWAY_CONNECT_TIMEOUT: '180s' };

  beforeAll(async () => {
    mongo = await startFerretDb();
    let shared: Record<string, string> = {};
    fx = await startGatewayFixture({
      startCtl: async (env) => {
        shared = env;
        return (recorder = await startTestController({
          env: { ...env, ...lease, ...slowStore, KEYWARDEN_STORE: mongo.url },
        }));
      },
    });
    // One deployment, one configuration: either controller may take the host's jobs, and
    // each must allow the host's sshd config (else the key placement fails on the other).
    const { KEYWARDEN_GATEWAY_ADDR: _gatewayOnTheRecorderOnly, ...config } = shared;
    other = await startTestController({
      env: { ...config, ...lease, KEYWARDEN_STORE: mongo.url },
    });
  }, 300_000);

  afterAll(async () => {
    await other?.stop();
    await recorder?.stop();
    await fx?.stop();
    await mongo?.stop();
  });

  it('downloads the output and the input from the controller that did not record them, and retention removes the shared copy', async () => {
    const { person, key } = await fx.addPerson('maya');
    await fx.grant(person);
    const res = await sshThroughGateway(fx, key, {
      input: 'echo shared-$((6*7))\nexit 0\n',
      timeoutMs: 200_000,
    });
    expect(res.code, res.stderr).toBe(0);
    const session = (await fx.sessions()).find((s) => s.personUid === 'maya');
    expect(session?.state).toBe('ended');
    const id = session?.id as string;
    const recorded = (rel: string | null | undefined) =>
      readFile(join(fx.ctl.services.config.dataDir, rel as string), 'utf8');
    expect(other.services.config.dataDir).not.toBe(fx.ctl.services.config.dataDir);

    const output = await other.api<string>('GET', `/api/v1/sessions/${id}/recording`);
    expect(output.status).toBe(200);
    expect(output.body).toBe(await recorded(session?.recordingPath));
    expect(output.body).toContain('shared-42');
    const input = await other.api<string>('GET', `/api/v1/sessions/${id}/input`);
    expect(input.status).toBe(200);
    expect(input.body).toBe(await recorded(session?.inputPath));

    const purged = await purgeRecordings({
      store: other.services.store,
      config: other.services.config,
      now: () => Date.now() + other.services.config.gatewayRecordingRetentionMs + 60_000,
    });
    expect(purged).toBeGreaterThanOrEqual(1);
    const gone = await other.services.store.sessionRecordings?.fetch(
      session?.recordingPath as string,
      join(other.services.config.dataDir, 'probe.cast'),
    );
    expect(gone).toBe(false);
    expect((await other.api('GET', `/api/v1/sessions/${id}/recording`)).status).toBe(404);
  }, 300_000);
});
