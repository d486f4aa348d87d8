/**
 * Host groups and scan intervals: /api/v1/host-groups, /api/v1/scan-intervals (the global
 * defaults), /api/v1/hosts/:id/scan-intervals and /api/v1/hosts/:id/group. A host's
 * effective interval per scan is its own override, else its group's, else the default.
 * Every change is audited, and queues update-job-intervals so the schedule follows at once
 * (the store marks the affected hosts; internal-scheduler would pick them up otherwise).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { builtinScanDefaults, effectiveScanIntervals } from '../engine/host-scan-scheduler';
import type { HostGroupRecord } from '../store/host-records';
import { newId } from '../store/ids';
import { updateJobIntervalsJob } from '../jobs/update-job-intervals';
import { followHostGroup } from '../authorizations/follow-authorizations';
import { followContext } from '../authorizations/follow-context';
import { caller, type RequireRole } from './auth';
import {
  allOverrides,
  checkIntervals,
  givenOverrides,
  scanIntervalSchemas,
} from './scan-interval-input';
import { IdParams, Nullable, Page, PageQuery, errors } from './schemas';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const UpdateJob = Nullable(
  Type.String({ description: 'the update-job-intervals job applying the change' }),
);

export function registerHostGroupRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['host groups and scan intervals'];
  // The scan types are the registry's (their hostScan), so a new scan gets its field here.
  const scans = s.queue.hostScans;
  const scanTypes = scans.map((t) => t.type);
  const builtIn = builtinScanDefaults(scans);
  const { DefaultsPatch, Intervals, Overrides, OverridesPatch } = scanIntervalSchemas(scanTypes);
  const Group = Type.Object({
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    scanIntervalsMs: Overrides,
    createdAt: Type.Integer(),
    updatedAt: Type.Integer(),
  });
  /** A group as the API shows it: every scan type present, null where it inherits. */
  const present = (g: HostGroupRecord) => ({
    ...g,
    scanIntervalsMs: allOverrides(scanTypes, g.scanIntervalsMs),
  });
  const now = () => Date.now();
  const changed = async (
    req: FastifyRequest,
    action: string,
    subject: string,
    details: Record<string, unknown>,
    reschedule = true,
  ): Promise<string | null> => {
    const actor = caller(req).actor;
    await s.store.audit.append({ at: now(), actor, action, subject, details });
    if (!reschedule) return null;
    const res = await s.queue.enqueue(
      updateJobIntervalsJob.type,
      {},
      { createdBy: actor, trigger: 'event' },
    );
    return res.job.id;
  };
  const groupOr404 = async (id: string, field = 'id') => {
    const g = await s.store.hostGroups.get(id);
    if (!g) throw notFound(`no host group ${id}`, { details: { field, value: id } });
    return g;
  };
  const hostOr404 = async (id: string) => {
    const h = await s.store.hosts.get(id);
    if (!h) throw notFound(`no host ${id}`, { details: { field: 'id', value: id } });
    return h;
  };

  r.get(
    '/api/v1/host-groups',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Host groups, by name',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(Group), ...errors },
      },
    },
    async (req) => {
      const page = await s.store.hostGroups.listPage({
        limit: req.query.limit ?? 50,
        ...(req.query.cursor ? { after: req.query.cursor } : {}),
      });
      return { ...page, items: page.items.map(present) };
    },
  );

  r.get(
    '/api/v1/host-groups/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One host group',
        params: IdParams,
        response: { 200: Group, ...errors },
      },
    },
    async (req) => present(await groupOr404(req.params.id)),
  );

  r.post(
    '/api/v1/host-groups',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Create a host group',
        body: Type.Object(
          {
            id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' })),
            name: Name,
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            scanIntervalsMs: Type.Optional(OverridesPatch),
          },
          { additionalProperties: false },
        ),
        response: { 201: Group, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      checkIntervals(b.scanIntervalsMs ?? {}, 'scanIntervalsMs.');
      const group = await s.store.hostGroups.create(
        {
          id: b.id ?? newId(),
          name: b.name,
          description: b.description ?? '',
          scanIntervalsMs: givenOverrides(b.scanIntervalsMs ?? {}),
        },
        now(),
      );
      // A new group has no hosts yet: nothing to reschedule.
      await changed(req, 'host-group.create', group.id, { name: group.name }, false);
      return reply.code(201).send(present(group));
    },
  );

  r.patch(
    '/api/v1/host-groups/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: "Rename a group or change its scan intervals (its hosts' schedules follow)",
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            scanIntervalsMs: Type.Optional(OverridesPatch),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ group: Group, updateJobId: UpdateJob }), ...errors },
      },
    },
    async (req) => {
      const before = await groupOr404(req.params.id);
      checkIntervals(req.body.scanIntervalsMs ?? {}, 'scanIntervalsMs.');
      const { scanIntervalsMs, ...fields } = req.body;
      const group = await s.store.hostGroups.update(
        before.id,
        {
          ...fields,
          ...(scanIntervalsMs ? { scanIntervalsMs: givenOverrides(scanIntervalsMs) } : {}),
        },
        now(),
      );
      if (!group) throw notFound(`no host group ${before.id}`, { details: { field: 'id' } });
      const updateJobId = await changed(
        req,
        'host-group.update',
        group.id,
        { from: before, to: group },
        req.body.scanIntervalsMs !== undefined,
      );
      return { group: present(group), updateJobId };
    },
  );

  r.delete(
    '/api/v1/host-groups/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Delete a host group; its hosts keep running with no group',
        params: IdParams,
        response: {
          200: Type.Object({ removed: Type.Boolean(), updateJobId: UpdateJob }),
          ...errors,
        },
      },
    },
    async (req) => {
      const group = await groupOr404(req.params.id);
      await s.store.hostGroups.remove(group.id, now());
      const updateJobId = await changed(req, 'host-group.remove', group.id, { name: group.name });
      return { removed: true, updateJobId };
    },
  );

  const Defaults = Type.Object({
    defaults: Intervals,
    builtIn: Type.Boolean({ description: 'true until someone sets them' }),
  });
  r.get(
    '/api/v1/scan-intervals',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The global default scan intervals',
        response: { 200: Defaults, ...errors },
      },
    },
    async () => {
      const stored = await s.store.hostGroups.getScanDefaults();
      return { defaults: stored ?? builtIn, builtIn: stored === null };
    },
  );

  r.patch(
    '/api/v1/scan-intervals',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Change global default scan intervals (every host inheriting them follows)',
        body: DefaultsPatch,
        response: {
          200: Type.Intersect([Defaults, Type.Object({ updateJobId: UpdateJob })]),
          ...errors,
        },
      },
    },
    async (req) => {
      checkIntervals(req.body, '');
      const before = (await s.store.hostGroups.getScanDefaults()) ?? builtIn;
      const defaults = { ...before, ...(givenOverrides(req.body) as Record<string, number>) };
      await s.store.hostGroups.setScanDefaults(defaults, now());
      const updateJobId = await changed(req, 'scan-intervals.update', 'global', {
        from: before,
        to: defaults,
      });
      return { defaults, builtIn: false, updateJobId };
    },
  );

  const HostIntervals = Type.Object({
    hostId: Type.String(),
    host: Overrides,
    group: Nullable(
      Type.Object({ id: Type.String(), name: Type.String(), scanIntervalsMs: Overrides }),
    ),
    defaults: Intervals,
    effective: Intervals,
    schedule: Type.Array(
      Type.Object({
        scanType: Type.String(),
        intervalMs: Type.Integer(),
        nextDueAt: Type.Integer(),
        lastEnqueuedAt: Nullable(Type.Integer()),
        lastJobId: Nullable(Type.String()),
      }),
      { description: 'the scheduler rows (updated by update-job-intervals)' },
    ),
  });
  const hostIntervals = async (hostId: string) => {
    const host = await hostOr404(hostId);
    const group = host.groupId ? await s.store.hostGroups.get(host.groupId) : null;
    const defaults = (await s.store.hostGroups.getScanDefaults()) ?? builtIn;
    const schedule = await s.store.scanSchedule.listForHost(host.id);
    return {
      hostId: host.id,
      host: allOverrides(scanTypes, host.scanIntervalsMs),
      group: group && {
        id: group.id,
        name: group.name,
        scanIntervalsMs: allOverrides(scanTypes, group.scanIntervalsMs),
      },
      defaults,
      effective: effectiveScanIntervals(scans, defaults, group, host),
      schedule: schedule
        .filter((e) => scanTypes.includes(e.scanType))
        .map(({ hostId: _h, ...e }) => e),
    };
  };

  r.get(
    '/api/v1/hosts/:id/scan-intervals',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "A host's scan intervals: its overrides, its group's, the defaults, the result",
        params: IdParams,
        response: { 200: HostIntervals, ...errors },
      },
    },
    async (req) => hostIntervals(req.params.id),
  );

  r.patch(
    '/api/v1/hosts/:id/scan-intervals',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: "Change a host's own scan intervals (null inherits)",
        params: IdParams,
        body: OverridesPatch,
        response: {
          200: Type.Intersect([HostIntervals, Type.Object({ updateJobId: UpdateJob })]),
          ...errors,
        },
      },
    },
    async (req) => {
      const host = await hostOr404(req.params.id);
      checkIntervals(req.body, '');
      await s.store.hosts.update(host.id, { scanIntervalsMs: givenOverrides(req.body) }, now());
      const updateJobId = await changed(req, 'host.scan-intervals.update', host.id, {
        from: host.scanIntervalsMs,
        to: req.body,
      });
      return { ...(await hostIntervals(host.id)), updateJobId };
    },
  );

  r.put(
    '/api/v1/hosts/:id/group',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Put a host in a group (or none: null)',
        params: IdParams,
        body: Type.Object(
          { groupId: Nullable(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Intersect([
            HostIntervals,
            Type.Object({
              updateJobId: UpdateJob,
              authorizations: Type.Object(
                {
                  joined: Type.Array(Type.String()),
                  left: Type.Array(Type.String()),
                },
                {
                  description:
                    'group grants queued for this host (joined) and taken off it (left), at once',
                },
              ),
            }),
          ]),
          ...errors,
        },
      },
    },
    async (req) => {
      const host = await hostOr404(req.params.id);
      const { groupId } = req.body;
      if (groupId !== null) await groupOr404(groupId, 'groupId');
      await s.store.hosts.update(host.id, { groupId }, now());
      const actor = caller(req).actor;
      // Group grants follow the move now, as the batch move-group does, not at the next scan.
      const authorizations =
        host.groupId === groupId
          ? { joined: [], left: [] }
          : await followHostGroup(followContext(s, actor), host.id);
      const updateJobId = await changed(req, 'host.group.update', host.id, {
        from: host.groupId,
        to: groupId,
        authorizations,
      });
      return { ...(await hostIntervals(host.id)), updateJobId, authorizations };
    },
  );
}
