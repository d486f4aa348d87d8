/**
 * Starts the agent side of a controller: loads (or creates) the CA, issues the gateway's
 * TLS certificate, binds the enrollment and agent ports, and registers the agent driver
 * on the host router so host jobs of agent hosts go through assignments.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import type { ControllerServices } from '../controller-services';
import { AgentEvents } from './agent-events';
import { AgentDriver } from './agent-driver';
import { AgentGateway } from './agent-gateway';
import { issueServerCertificate, loadOrCreateCa } from './certificate-authority';
import { registerGatewayEndpoint } from '../health/gateway-endpoints';

export interface RunningAgentGateway {
  gateway: AgentGateway | null;
  agentPort: number | null;
  enrollPort: number | null;
  stop(): Promise<void>;
}

export const caDirOf = (config: ControllerServices['config']): string =>
  config.caDir ?? path.join(config.dataDir, 'ca');

/** The host names agents dial: the advertised ones, else this machine's name. */
export function advertisedNames(config: ControllerServices['config']): string[] {
  const set = config.agentAdvertise
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (set?.length) return set;
  const h = config.grpcAddr.host;
  return [h === '0.0.0.0' || h === '::' ? hostname() : h];
}

export async function startAgentGateway(
  services: ControllerServices,
): Promise<RunningAgentGateway> {
  const { config, store, queue, log: rootLog } = services;
  const log = rootLog.child({ component: 'agents' });
  const ca = await loadOrCreateCa(caDirOf(config));
  const names = [...new Set([...advertisedNames(config), 'localhost', '127.0.0.1', hostname()])];
  const server = await issueServerCertificate(ca, names);
  const events = new AgentEvents();
  const driver = new AgentDriver(
    store,
    events,
    log,
    Math.max(config.pollIntervalMs, 250),
    (type) => queue.definition(type).timeoutMs,
  );
  services.hostRouter.use('agent', driver);
  // Certificate lifetimes and the delivery poll: the config's (gateway-options.ts).
  const gateway = new AgentGateway({
    config,
    store,
    queue,
    events,
    log,
    controllerId: services.engine.workerId,
    ca,
    server,
  });
  const addr = (a: { host: string; port: number }) =>
    `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
  try {
    const ports = await gateway.listen(addr(config.grpcAddr), addr(config.enrollAddr));
    log.info(ports, 'agent gateway listening');
    // The gateway monitor of this controller checks this port (controller/health/).
    const host = config.grpcAddr.host;
    registerGatewayEndpoint(services.engine.workerId, {
      state: 'listening',
      host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host,
      port: ports.agentPort,
      name: advertisedNames(config)[0] ?? 'localhost',
      caPem: ca.certPem,
      connectedAgents: () => gateway.connectedAgents(),
    });
    return { gateway, ...ports, stop: () => gateway.stop() };
  } catch (err) {
    // The admin API and the engine stay useful without the gateway (agent jobs wait for it).
    log.error(
      { err, grpcAddr: config.grpcAddr, enrollAddr: config.enrollAddr },
      'agent gateway could not listen (KEYWARDEN_GRPC_ADDR / KEYWARDEN_ENROLL_ADDR): agents cannot connect to this controller',
    );
    await gateway.stop();
    registerGatewayEndpoint(services.engine.workerId, {
      state: 'down',
      addr: addr(config.grpcAddr),
      reason: (err as Error).message,
    });
    return { gateway: null, agentPort: null, enrollPort: null, stop: async () => undefined };
  }
}
