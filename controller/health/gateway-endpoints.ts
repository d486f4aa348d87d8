/**
 * Where this process's agent gateways listen, by the engine (worker) id of the controller
 * that started them, so the gateway monitor run by that controller's engine checks its own
 * gateway: a job knows its worker id, not the controller's services. A gateway that could
 * not bind is recorded as down with the reason.
 */
export type GatewayEndpoint =
  | {
      state: 'listening';
      /** Where to connect (a wildcard bind address becomes loopback). */
      host: string;
      port: number;
      /** The name agents dial, which the server certificate must carry. */
      name: string;
      caPem: string;
      connectedAgents(): number;
    }
  | { state: 'down'; addr: string; reason: string };

const endpoints = new Map<string, GatewayEndpoint>();

export function registerGatewayEndpoint(workerId: string, ep: GatewayEndpoint): void {
  endpoints.set(workerId, ep);
}

export function forgetGatewayEndpoint(workerId: string): void {
  endpoints.delete(workerId);
}

export function gatewayEndpointOf(workerId: string | null): GatewayEndpoint | null {
  return workerId === null ? null : (endpoints.get(workerId) ?? null);
}
