/** /api/v1/robots: the robots panel and changes to a robot's settings. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import type { SyslogSender } from '../notify/syslog-sender';
import { listRobots, robotView, runningCountByType } from '../reports/robots-report';
import { applyRobotChange, ROBOT_CHANGE_WARNING } from './apply-robot-change';
import { caller, type RequireRole } from './auth';
import { Change, Robot, RobotPatch, errors } from './schemas';

const TypeParams = Type.Object({ type: Type.String({ minLength: 1 }) });

export function registerRobotsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
  syslog: SyslogSender | null,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['robots'];
  const view = async (type: string) => {
    const rec = await s.store.robots.get(type);
    if (!rec || !Object.hasOwn(s.queue.registry, type))
      throw notFound(`no robot ${type}`, { details: { field: 'type', value: type } });
    const running = (await runningCountByType(s.store)).get(type) ?? 0;
    return robotView(
      s.store,
      s.queue.registry,
      rec,
      running,
      Date.now(),
      s.config.scheduleLateAfterMs,
    );
  };
  r.get(
    '/api/v1/robots',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Every robot with its settings and status',
        response: { 200: Type.Object({ items: Type.Array(Robot) }), ...errors },
      },
    },
    async () => ({
      items: await listRobots(s.store, s.queue.registry, Date.now(), s.config.scheduleLateAfterMs),
    }),
  );
  r.get(
    '/api/v1/robots/:type',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One robot',
        params: TypeParams,
        response: { 200: Robot, ...errors },
      },
    },
    async (req) => view(req.params.type),
  );
  r.patch(
    '/api/v1/robots/:type',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Change instances, interval, window or enabled; audited and sent to syslog',
        params: TypeParams,
        body: RobotPatch,
        response: {
          200: Type.Object({
            robot: Robot,
            changes: Type.Record(Type.String(), Change),
            warning: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { changes } = await applyRobotChange(
        s,
        syslog,
        req.params.type,
        req.body,
        caller(req).actor,
      );
      const changed = Object.keys(changes).length > 0;
      return {
        robot: await view(req.params.type),
        changes,
        warning: changed ? ROBOT_CHANGE_WARNING : null,
      };
    },
  );
}
