/**
 * Makes an ICB: a fresh single-use enrollment token (only its hash is stored), the
 * addresses agents dial, the CA certificate, the agent settings, signed by the CA.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/load-config';
import { signIcb, type IcbFile, type IcbPayload } from '../../shared/proto/icb-format';
import type { AgentSettingsRecord } from '../store/agent-records';
import { newId } from '../store/ids';
import type { Store } from '../store/store';
import { loadOrCreateCa } from '../agents/certificate-authority';
import { hashToken } from '../agents/enrollment-service';
import { advertisedNames, caDirOf } from '../agents/start-agent-gateway';

export interface IcbRequest {
  groupId?: string | null;
  mode?: 'stream' | 'periodic';
  connectIntervalMs?: number;
  maxConcurrentJobs?: number;
  heartbeatIntervalMs?: number;
  validityMs?: number;
}

export async function createIcbFile(
  store: Pick<Store, 'agentFleet'>,
  config: Config,
  req: IcbRequest,
  createdBy: string,
  now: number,
): Promise<IcbFile> {
  const ca = await loadOrCreateCa(caDirOf(config));
  const token = randomBytes(32).toString('base64url');
  const icbId = `icb_${newId(now)}`;
  const settings: AgentSettingsRecord = {
    mode: req.mode ?? 'stream',
    connectIntervalMs: req.connectIntervalMs ?? config.agentConnectIntervalMs,
    maxConcurrentJobs: req.maxConcurrentJobs ?? 4,
    heartbeatIntervalMs: req.heartbeatIntervalMs ?? 30_000,
  };
  const expiresAt = now + (req.validityMs ?? config.icbValidityMs);
  await store.agentFleet.enrollmentTokens.create({
    id: `tok_${newId(now)}`,
    tokenHash: hashToken(token),
    icbId,
    groupId: req.groupId ?? null,
    settings,
    createdBy,
    createdAt: now,
    expiresAt,
    usedAt: null,
    usedByAgent: null,
  });
  const names = advertisedNames(config);
  const payload: IcbPayload = {
    icbId,
    controllers: names.map((n) => `${n}:${config.grpcAddr.port}`),
    enrollment: names.map((n) => `${n}:${config.enrollAddr.port}`),
    caCertificatePem: ca.certPem,
    enrollmentToken: token,
    expiresAt,
    groupId: req.groupId ?? null,
    settings,
    createdAt: now,
  };
  return signIcb(payload, ca.key);
}
