/**
 * /api/v1/access-groups/:id/members: people put in an access group by hand, beside (or
 * instead of) its directory group. Each change is audited and processed at once, so the
 * person's keys land on, or leave, the host group within the job returned.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { accessGroupsProcessing } from '../jobs/access-groups-processing';
import { caller, type RequireRole } from './auth';
import { AccessGroup } from './directory-schemas';
import { IdParams, errors } from './schemas';

const MemberParams = Type.Object({
  id: IdParams.properties.id,
  personId: Type.String({ minLength: 1, maxLength: 200 }),
});
const Changed = Type.Object({ accessGroup: AccessGroup, jobId: Type.String() });

export function registerAccessGroupMemberRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['people'];
  const change = async (id: string, personId: string, add: boolean, actor: string) => {
    const g = await s.store.directory.getAccessGroup(id);
    if (!g) throw notFound(`no access group ${id}`, { details: { field: 'id', value: id } });
    const members = g.members ?? [];
    if (add) {
      if (!(await s.store.directory.getPerson(personId)))
        throw notFound(`no person ${personId}`, {
          details: { field: 'personId', value: personId },
        });
    } else if (!members.includes(personId))
      throw notFound(`${personId} is not listed in access group ${id}`, {
        details: { field: 'personId', value: personId },
      });
    const next = {
      ...g,
      members: add ? [...new Set([...members, personId])] : members.filter((m) => m !== personId),
    };
    if (next.directoryGroup === null && next.members.length === 0)
      throw invalidInput(
        `access group ${id} has no directory group: removing its last member would leave it empty (remove the access group instead)`,
        { details: { field: 'personId', value: personId } },
      );
    if (!(await s.store.directory.replaceAccessGroup(next)))
      throw notFound(`no access group ${id}`, { details: { field: 'id', value: id } });
    await s.store.audit.append({
      at: Date.now(),
      actor,
      action: add ? 'access-group.member-add' : 'access-group.member-remove',
      subject: id,
      details: { personId },
    });
    const { job } = await s.queue.enqueue(
      accessGroupsProcessing.type,
      {},
      { createdBy: actor, trigger: 'admin' },
    );
    return { accessGroup: next, jobId: job.id };
  };

  r.post(
    '/api/v1/access-groups/:id/members',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Put a person in an access group by hand; their keys are granted',
        params: IdParams,
        body: Type.Object(
          { personId: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Changed, ...errors },
      },
    },
    async (req) => change(req.params.id, req.body.personId, true, caller(req).actor),
  );
  r.delete(
    '/api/v1/access-groups/:id/members/:personId',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Take a person listed by hand out of an access group; their grants are removed',
        params: MemberParams,
        response: { 200: Changed, ...errors },
      },
    },
    async (req) => change(req.params.id, req.params.personId, false, caller(req).actor),
  );
}
