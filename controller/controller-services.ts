import type { Logger } from 'pino';
import type { Config } from './config/load-config';
import type { Engine } from './engine/engine';
import type { JobQueue } from './engine/job-queue';
import type { RobotScheduler } from './engine/robot-scheduler';
import type { Store } from './store/store';
import type { HostDriverRouter } from './hosts/host-router';
import type { SinkStatus } from './export/sink-runner';
import type { SessionGateway } from './gateway/start-session-gateway';

/** What a running controller is made of; API routes and job types receive parts of it. */
export interface ControllerServices {
  config: Config;
  store: Store;
  queue: JobQueue;
  engine: Engine;
  scheduler: RobotScheduler;
  /** Host jobs reach their host through this; the agent and agentless paths register their drivers on it. */
  hostRouter: HostDriverRouter;
  log: Logger;
  /** SIEM export, when sinks are configured (controller/export/). */
  siemExport?: { statuses(): SinkStatus[] };
  /** The session gateway, when KEYWARDEN_GATEWAY_ADDR is set (controller/gateway/). */
  sessionGateway?: SessionGateway | null;
}
