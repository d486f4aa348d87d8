/**
 * The last gateway check of each controller in this process, for /metrics: a scrape
 * shows what the gateway monitor saw, without a TLS handshake of its own per scrape.
 */
import type { GatewayCheck } from './gateway-check';

export interface GatewayStatus {
  at: number;
  addr: string;
  check: GatewayCheck;
  connectedAgents: number;
}

const last = new Map<string, GatewayStatus>();

export const recordGatewayStatus = (workerId: string, s: GatewayStatus): void => {
  last.set(workerId, s);
};
export const gatewayStatusOf = (workerId: string): GatewayStatus | null =>
  last.get(workerId) ?? null;
export const forgetGatewayStatus = (workerId: string): void => {
  last.delete(workerId);
};
