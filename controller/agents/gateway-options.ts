/**
 * The agent gateway's options, compiled once before it starts (raw → config defaults →
 * checked → frozen), like the engine's: the gateway reads a frozen object, and a timing
 * that cannot work stops the start naming the setting.
 */
import { msAtLeast } from '../config/option-checks';
import type { Config } from '../config/load-config';
import type { CertificateAuthority } from './certificate-authority';
import type { SessionContext } from './agent-session';

/** Delivery polls for assignments written by other controllers at least this often. */
const MIN_POLL_MS = 100;

export interface GatewayOptionsInput extends Omit<SessionContext, 'refusals'> {
  config: Config;
  ca: CertificateAuthority;
  server: { certPem: string; keyPem: string };
  /** Default: agentCertValidityMs. */
  certValidityMs?: number;
  /** How long a certificate replaced by renewal is still accepted. Default: agentCertGraceMs. */
  certGraceMs?: number;
  /** Default: pollIntervalMs, at least 100 ms. */
  pollMs?: number;
}

export interface GatewayOptions extends Readonly<Omit<SessionContext, 'refusals'>> {
  readonly ca: CertificateAuthority;
  readonly server: Readonly<{ certPem: string; keyPem: string }>;
  readonly certValidityMs: number;
  readonly certGraceMs: number;
  readonly pollMs: number;
}

export function compileGatewayOptions(input: GatewayOptionsInput): GatewayOptions {
  const { config } = input;
  return Object.freeze({
    store: input.store,
    queue: input.queue,
    events: input.events,
    log: input.log,
    controllerId: input.controllerId,
    ca: input.ca,
    server: Object.freeze({ ...input.server }),
    certValidityMs: msAtLeast(
      'agent gateway',
      'certValidityMs',
      input.certValidityMs ?? config.agentCertValidityMs,
      1000,
    ),
    certGraceMs: msAtLeast(
      'agent gateway',
      'certGraceMs',
      input.certGraceMs ?? config.agentCertGraceMs,
      0,
    ),
    pollMs: msAtLeast(
      'agent gateway',
      'pollMs',
      input.pollMs ?? Math.max(config.pollIntervalMs, MIN_POLL_MS),
      1,
    ),
  });
}
