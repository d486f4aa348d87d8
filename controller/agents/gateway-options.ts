/**
 * The agent gateway's options, compiled once before it starts (raw → config defaults →
 * checked → frozen), like the engine's: the gateway reads a frozen object, and a timing
 * that cannot work stops the start naming the setting.
 */
import { invalidConfig } from '../../shared/errors';
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

function duration(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min)
    throw invalidConfig(`agent gateway option ${name} must be at least ${min} ms, not ${value}`, {
      details: { field: name, value, expected: `>= ${min}` },
    });
  return value;
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
    certValidityMs: duration(
      'certValidityMs',
      input.certValidityMs ?? config.agentCertValidityMs,
      1000,
    ),
    certGraceMs: duration('certGraceMs', input.certGraceMs ?? config.agentCertGraceMs, 0),
    pollMs: duration('pollMs', input.pollMs ?? Math.max(config.pollIntervalMs, MIN_POLL_MS), 1),
  });
}
