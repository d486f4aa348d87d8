/**
 * Renewal of the agent's client certificate (RenewCertificate over mutual TLS with the
 * current one). It is due once two thirds of the certificate's life have passed, counted
 * from when the agent received it (the CA backdates notBefore for clock skew, which would
 * make a short-lived certificate due at once). A running agent renews on a timer whether
 * or not it holds a stream, and before each connection; one renewal runs at a time.
 */
import * as grpc from '@grpc/grpc-js';
import {
  AgentServiceClient,
  type RenewCertificateResponse,
} from '../shared/proto/gen/keywarden/agent/v1/agent';
import { certificateExpired } from '../shared/errors';
import { fromGrpcError } from '../shared/proto/grpc-errors';
import { createCsr, generateKeyPair, privateKeyToPem, x509 } from '../shared/proto/pem-keys';
import type { AgentLog } from './log';
import type { StateDir } from './state-dir';

export const RENEW_AFTER_FRACTION = 2 / 3;
/** Longest single timer wait (setTimeout overflows past 2^31 ms, about 24.8 days). */
const MAX_WAIT_MS = 3_600_000;

export interface CertificateTimes {
  notAfter: number;
  /** When renewal becomes due. */
  dueAt: number;
}

export function certificateTimes(state: StateDir): CertificateTimes {
  const cert = new x509.X509Certificate(state.read('agent.crt'));
  const notAfter = cert.notAfter.getTime();
  const from = Math.min(notAfter, Math.max(cert.notBefore.getTime(), state.writtenAt('agent.crt')));
  return { notAfter, dueAt: from + (notAfter - from) * RENEW_AFTER_FRACTION };
}

const inFlight = new Map<string, Promise<boolean>>();

/**
 * Renews through the first of `controllers` that answers, if renewal is due (or `force`);
 * true when a new certificate was installed. Concurrent calls share one renewal.
 */
export function renewCertificateIfDue(
  state: StateDir,
  log: AgentLog,
  controllers: string[],
): Promise<boolean> {
  const running = inFlight.get(state.dir);
  if (running) return running;
  const p = renew(state, log, controllers).finally(() => inFlight.delete(state.dir));
  inFlight.set(state.dir, p);
  return p;
}

async function renew(state: StateDir, log: AgentLog, controllers: string[]): Promise<boolean> {
  const { notAfter, dueAt } = certificateTimes(state);
  if (Date.now() < dueAt) return false;
  const keys = await generateKeyPair();
  const csrPem = await createCsr(keys, 'keywarden-agent');
  let lastError: Error = new Error('the agent knows no controller address');
  for (const addr of controllers) {
    const client = new AgentServiceClient(
      addr,
      grpc.credentials.createSsl(
        Buffer.from(state.read('ca.crt')),
        Buffer.from(state.read('agent.key')),
        Buffer.from(state.read('agent.crt')),
      ),
    );
    try {
      const res = await new Promise<RenewCertificateResponse>((resolve, reject) =>
        client.renewCertificate(
          { csrPem },
          new grpc.Metadata(),
          { deadline: Date.now() + 30_000 },
          (err, r) => (err ? reject(fromGrpcError(err)) : resolve(r)),
        ),
      );
      state.writeCredentials(await privateKeyToPem(keys.privateKey), res.certificatePem);
      state.write(
        'identity.json',
        JSON.stringify(
          { ...state.identity(), certificateNotAfter: res.certificateNotAfterMs },
          null,
          2,
        ),
        0o600,
      );
      log('info', 'client certificate renewed', {
        controller: addr,
        notAfter: new Date(res.certificateNotAfterMs).toISOString(),
        previousNotAfter: new Date(notAfter).toISOString(),
      });
      return true;
    } catch (err) {
      lastError = err as Error;
    } finally {
      client.close();
    }
  }
  if (Date.now() >= notAfter) {
    // Nothing the agent can do will make this certificate valid again: say what will.
    throw certificateExpired(
      `the client certificate expired at ${new Date(notAfter).toISOString()}, so controllers refuse it and it cannot be renewed: enroll this host again with a new ICB (keywarden-agent enroll --force --icb FILE); the controller said: ${lastError.message}`,
      { cause: lastError, details: { notAfter } },
    );
  }
  throw lastError;
}

/**
 * Keeps the certificate renewed while the agent runs, connected or not: wakes when
 * renewal is due and retries a failed renewal with backoff (at most every 5 minutes).
 */
export function keepCertificateRenewed(state: StateDir, log: AgentLog): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const schedule = (waitMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => void tick(), Math.min(MAX_WAIT_MS, Math.max(1000, waitMs)));
  };
  const tick = async () => {
    try {
      await renewCertificateIfDue(state, log, state.identity().controllers);
      failures = 0;
      schedule(certificateTimes(state).dueAt - Date.now());
    } catch (err) {
      failures += 1;
      const e = err as Error & { code?: string };
      log('error', 'client certificate renewal failed', { code: e.code, error: e.message });
      schedule(Math.min(300_000, 1000 * 2 ** Math.min(failures, 9)));
    }
  };
  schedule(certificateTimes(state).dueAt - Date.now());
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
