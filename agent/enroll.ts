/**
 * `keywarden-agent enroll --icb FILE`: checks the ICB's signature, makes a key pair,
 * sends a certificate request with the single-use token, and keeps the identity.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { readIcb } from '../shared/proto/icb-format';
import { fromGrpcError } from '../shared/proto/grpc-errors';
import {
  EnrollmentServiceClient,
  type EnrollResponse,
} from '../shared/proto/gen/keywarden/agent/v1/agent';
import { createCsr, generateKeyPair, privateKeyToPem } from '../shared/proto/pem-keys';
import { collectHostFacts } from './host-facts';
import type { StateDir } from './state-dir';
import { AGENT_VERSION } from './version';

export async function enrollAgent(
  state: StateDir,
  icbFile: string,
  rootPrefix: string,
  hostname?: string,
): Promise<string> {
  const icb = await readIcb(readFileSync(icbFile, 'utf8'));
  const keys = await generateKeyPair();
  const csrPem = await createCsr(keys, 'keywarden-agent');
  let lastError: Error | undefined;
  for (const target of icb.enrollment) {
    const client = new EnrollmentServiceClient(
      target,
      grpc.credentials.createSsl(Buffer.from(icb.caCertificatePem)),
    );
    try {
      const res = await new Promise<EnrollResponse>((resolve, reject) =>
        client.enroll(
          {
            enrollmentToken: icb.enrollmentToken,
            csrPem,
            facts: collectHostFacts(rootPrefix, hostname),
            agentVersion: AGENT_VERSION,
            icbId: icb.icbId,
          },
          new grpc.Metadata(),
          { deadline: Date.now() + 30_000 },
          (err, r) => (err ? reject(fromGrpcError(err)) : resolve(r)),
        ),
      );
      state.write('ca.crt', res.caCertificatePem, 0o644);
      state.writeCredentials(await privateKeyToPem(keys.privateKey), res.certificatePem);
      state.write(
        'identity.json',
        JSON.stringify(
          {
            agentId: res.agentId,
            controllers: icb.controllers,
            settings: icb.settings,
            certificateNotAfter: res.certificateNotAfterMs,
          },
          null,
          2,
        ),
        0o600,
      );
      return res.agentId;
    } catch (err) {
      lastError = err as Error;
      // A refusal is final; an unreachable address may have a sibling that answers.
      if ((err as { code?: string }).code !== 'HOST_UNREACHABLE') throw err;
    } finally {
      client.close();
    }
  }
  throw lastError ?? new Error('the ICB names no enrollment address');
}
