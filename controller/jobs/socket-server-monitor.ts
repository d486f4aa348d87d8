import { listenerAnswers } from '../gateway/check-listener';
import { localGateway } from '../gateway/local-gateway';
import { defineInternalRobot } from './define-internal-robot';
import { reconcileMonitorAlerts, type MonitorFinding } from './monitor-alerts';

const ALERT_TYPE = 'gateway';

/**
 * The seed's SocketServer Monitor: the session gateway's listener of the controller running
 * it must answer with an SSH banner; when it does not, the listener is restarted (running
 * sessions go on) and checked again. A listener still silent after the restart is a
 * critical "gateway" alert, resolved once it answers.
 */
export const socketServerMonitor = defineInternalRobot({
  type: 'socket-server-monitor',
  describe: 'Checks the session gateway listener answers; restarts it when it does not',
  intervalMs: 60_000,
  timeoutMs: 2 * 60_000,
  async run(ctx) {
    const gateway = localGateway();
    if (!gateway) return { skipped: 'no session gateway runs in this controller' };
    const address = gateway.address();
    const where = `${address.host}:${address.port}`;
    const first = await listenerAnswers(address, 5_000);
    let restarted = false;
    let final = first;
    if (!first.ok) {
      ctx.log.warn({ address: where, error: first.error }, 'gateway listener silent: restarting');
      await gateway.restart();
      restarted = true;
      final = await listenerAnswers(gateway.address(), 5_000);
    }
    const findings: MonitorFinding[] = final.ok
      ? []
      : [
          {
            key: where,
            subject: 'session-gateway',
            severity: 'critical',
            message: `the session gateway at ${where} does not answer, even after a restart: ${final.error}`,
            context: { extra: { address: where } },
          },
        ];
    const { raised, resolved } = await reconcileMonitorAlerts(ctx, ALERT_TYPE, findings, ctx.now());
    return {
      address: where,
      answering: final.ok,
      restarted,
      ...(first.ok ? {} : { firstError: first.error }),
      raised,
      resolved,
    };
  },
});
