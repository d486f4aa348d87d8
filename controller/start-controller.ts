/**
 * Assembles and starts one controller process: store, job registry and queue, the
 * worker engine, the robot scheduler, and the admin HTTP API. Returns what a caller
 * (main, tests) needs, including its own stop().
 */
import { seedDefaultPolicies } from './policy/default-policies';
import pino, { type Logger } from 'pino';
import type { Config } from './config/load-config';
import { bootstrapAdminToken } from './auth/tokens';
import { buildHttpServer } from './api/build-http-server';
import type { ControllerServices } from './controller-services';
import { Engine } from './engine/engine';
import { JobQueue } from './engine/job-queue';
import { RobotScheduler } from './engine/robot-scheduler';
import { buildRegistry } from './jobs/registry';
import { openStore } from './store/open-store';
import { HostDriverRouter } from './hosts/host-router';
import { DirectSshDriver } from './hosts/direct-ssh-driver';
import { startAgentGateway } from './agents/start-agent-gateway';
import { startAgentlessDriver } from './agentless/start-agentless-driver';
import { secretBoxFor } from './secrets/secret-boxes';
import { JobSecrets } from './secrets/sealed-params';
import { ExportService } from './export/export-service';
import { forgetGatewayEndpoint } from './health/gateway-endpoints';
import { forgetGatewayStatus } from './health/gateway-status';
import { startSessionGateway } from './gateway/start-session-gateway';
import { gatewaySessionSource } from './gateway/gateway-session-source';
import { provideSessionSource } from './sessions/text/session-source';

export interface RunningController {
  services: ControllerServices;
  httpUrl: string;
  /** The admin secret when this start created one (first start), else null. */
  bootstrapToken: { secret: string; generated: boolean } | null;
  stop(): Promise<void>;
}

export async function startController(
  config: Config,
  log: Logger = pino({ level: config.logLevel }),
  /**
   * The engine's clock (queue, robots, workers: every job's `ctx.now`). Tests move it to
   * make a deadline pass instead of waiting for it; the HTTP API keeps the real time.
   */
  opts: { clock?: () => number } = {},
): Promise<RunningController> {
  const clock = opts.clock ?? Date.now;
  const store = await openStore(config.storeUrl);
  // Secret job params are sealed when queued and opened only by the direct SSH driver.
  const secretBox = secretBoxFor(config);
  const queue = new JobQueue(
    store,
    buildRegistry({ testJobTypes: config.enableTestJobTypes }),
    clock,
    secretBox,
  );
  const scheduler = new RobotScheduler(
    store,
    queue,
    log.child({ component: 'scheduler' }),
    config.schedulerTickMs,
    clock,
  );
  await scheduler.ensureRobots();
  // Default policies (controller/policy/default-policies.ts): alerts before anyone writes a rule.
  await seedDefaultPolicies(store, Date.now());
  // The agent and agentless drivers register here as they start; jobs that name their
  // own connection go to the direct driver.
  const hostRouter = new HostDriverRouter(
    store,
    new DirectSshDriver(new JobSecrets(secretBox, store.jobs)),
  );
  const engine: Engine = new Engine({
    config,
    hostRouter,
    store,
    queue,
    log: log.child({ component: 'engine' }),
    clock,
    // Concurrency, batch, lease and timers: the config's (engine-options.ts).
    limitFor: (type): number => scheduler.limitFor(type, config.workerConcurrency, engine.workerId),
  });
  const services: ControllerServices = {
    config,
    store,
    queue,
    engine,
    scheduler,
    hostRouter,
    log,
  };
  const siemExport = new ExportService(store, config.exportSinks, log);
  services.siemExport = siemExport;
  // Jobs of agentless hosts go through the SSH session pool (before the engine starts).
  const stopAgentless = startAgentlessDriver(services);
  const bootstrapToken = await bootstrapAdminToken(store, config.adminToken);
  const http = await buildHttpServer(services, log);
  await http.listen({ host: config.httpAddr.host, port: config.httpAddr.port });
  const addr = http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.httpAddr.port;
  const host = config.httpAddr.host.includes(':')
    ? `[${config.httpAddr.host}]`
    : config.httpAddr.host;
  // Agents: CA, enrollment and agent ports, and the agent route for host jobs.
  const agentGateway = await startAgentGateway(services);
  // The text jobs (log converter, indexer, command audit) read the gateway's sessions, on
  // any controller sharing the store (the recordings are read from this data directory).
  provideSessionSource(gatewaySessionSource);
  await engine.start();
  // The session gateway (off unless KEYWARDEN_GATEWAY_ADDR is set): docs/gateway.md.
  const sessionGateway = await startSessionGateway(services);
  services.sessionGateway = sessionGateway;
  scheduler.start();
  siemExport.start();
  let stopping: Promise<void> | undefined;
  return {
    services,
    httpUrl: `http://${host}:${port}`,
    bootstrapToken,
    stop: () =>
      (stopping ??= (async () => {
        scheduler.stop();
        // Running sessions end (and their keys' removal is queued) while the store is open.
        await sessionGateway?.stop();
        await http.close();
        // A batch in flight is let finish and its cursor recorded before the store closes.
        await siemExport.stop();
        // The engine first: jobs still running on agents are given back (their attempt
        // uncharged) while the streams are up, so no cancel races the stop; the gateway
        // then ends the streams and the agents keep what they were doing for the restart.
        await engine.stop();
        await agentGateway.stop();
        forgetGatewayEndpoint(engine.workerId);
        forgetGatewayStatus(engine.workerId);
        await stopAgentless();
        await store.close();
      })()),
  };
}
