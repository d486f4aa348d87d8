import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../controller/config/load-config';
import { AgentEvents } from '../../../controller/agents/agent-events';
import type { CertificateAuthority } from '../../../controller/agents/certificate-authority';
import { compileGatewayOptions } from '../../../controller/agents/gateway-options';
import { JobQueue } from '../../../controller/engine/job-queue';
import { buildRegistry } from '../../../controller/jobs/registry';
import type { Store } from '../../../controller/store/store';

// Options are compiled before the gateway touches the store or the CA.
const store = {} as Store;
const ca = {} as CertificateAuthority;
const config = loadConfig({
  KEYWARDEN_DATA_DIR: '/nonexistent',
  KEYWARDEN_POLL_INTERVAL: '20ms',
  KEYWARDEN_AGENT_CERT_GRACE: '2h',
});
const base = {
  config,
  store,
  queue: new JobQueue(store, buildRegistry({ testJobTypes: false }), Date.now),
  events: new AgentEvents(),
  log: pino({ level: 'silent' }),
  controllerId: 'c1',
  ca,
  server: { certPem: 'cert', keyPem: 'key' },
};

describe('agent gateway options', () => {
  it('take the certificate lifetimes and the poll from the config, once, frozen', () => {
    const o = compileGatewayOptions(base);
    expect(o).toMatchObject({
      certValidityMs: config.agentCertValidityMs,
      certGraceMs: 2 * 3_600_000,
      // A 20 ms controller poll is too eager for cross-controller deliveries.
      pollMs: 100,
    });
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.server)).toBe(true);
  });

  it('refuse a timing that cannot work, naming it', () => {
    expect(() => compileGatewayOptions({ ...base, certGraceMs: -1 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        details: expect.objectContaining({ field: 'certGraceMs' }),
      }),
    );
    expect(() => compileGatewayOptions({ ...base, pollMs: Number.NaN })).toThrow(/pollMs/);
  });
});
