/**
 * /api/v1/sessions: the gateway's sessions (who, where, from, when, how it ended, what was
 * refused), their recordings, and terminating a live one. Reading a session needs auditor;
 * its input (what the person typed, passwords at prompts included) and terminating need
 * admin. Downloads and terminations are audited.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { conflict, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { OPEN_SESSION_STATES, SESSION_STATES, type SessionRecord } from '../store/session-records';
import { localRecording } from '../gateway/shared-recordings';
import { caller, type RequireRole } from './auth';
import { parseList, parseTime } from './parse-query';
import { IdParams, Page, errors } from './schemas';
import {
  Session,
  SessionEvent,
  SessionQuery,
  SessionSearchQuery,
  TerminateBody,
} from './session-schemas';

export function registerSessionRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['sessions'];
  const sessionOr404 = async (id: string): Promise<SessionRecord> => {
    const found = await s.store.sessions.get(id);
    if (!found) throw notFound(`no session ${id}`, { details: { field: 'id', value: id } });
    return found;
  };
  const sendCast = async (
    reply: FastifyReply,
    session: SessionRecord,
    rel: string | null,
    part: 'output' | 'input',
  ) => {
    if (!rel)
      throw notFound(
        `session ${session.id} has no ${part} recording (it never connected, or its recording was deleted after the retention period)`,
        { details: { field: 'id', value: session.id } },
      );
    // Recorded by another controller of a MongoDB store: fetched from the store first.
    const file =
      (await localRecording({ store: s.store, dataDir: s.config.dataDir }, rel)) ??
      path.join(s.config.dataDir, rel);
    const stream = createReadStream(file);
    try {
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', reject);
      });
    } catch {
      throw notFound(
        `the ${part} recording of session ${session.id} is not on this controller (${session.controllerId} recorded it)`,
        { details: { field: 'id', value: session.id } },
      );
    }
    return reply
      .type('application/x-asciicast')
      .header(
        'content-disposition',
        `attachment; filename="${session.id}${part === 'input' ? '.input' : ''}.cast"`,
      )
      .send(stream);
  };

  r.get(
    '/api/v1/sessions',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Gateway sessions, newest first (state=live: the live sessions dashboard)',
        querystring: SessionQuery,
        response: { 200: Page(Session), ...errors },
      },
    },
    async (req) =>
      s.store.sessions.list(
        {
          state: parseList(req.query.state, 'state', [...SESSION_STATES]),
          personId: req.query.person,
          hostId: req.query.host,
          startedSince: parseTime(req.query.since, 'since'),
          startedUntil: parseTime(req.query.until, 'until'),
        },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      ),
  );
  r.get(
    '/api/v1/sessions/search',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary:
          'Search recorded sessions: a word, a phrase or a command line, within a time range, a host, a person',
        querystring: SessionSearchQuery,
        response: { 200: Type.Unknown({ description: '{sessions, nextCursor}' }), ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      return s.store.sessionTexts.search({
        ...(q.words !== undefined ? { words: q.words } : {}),
        ...(q.phrase !== undefined ? { phrase: q.phrase } : {}),
        ...(q.command !== undefined ? { command: q.command } : {}),
        ...(q.since !== undefined ? { from: parseTime(q.since, 'since') } : {}),
        ...(q.until !== undefined ? { to: parseTime(q.until, 'until') } : {}),
        ...(q.host !== undefined ? { hostId: q.host } : {}),
        ...(q.person !== undefined ? { person: q.person } : {}),
        limit: q.limit ?? 20,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
    },
  );
  r.get(
    '/api/v1/sessions/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary:
          "One session, its events (refused requests, key removal, termination) and its readable log with each command's risk score (null until converted)",
        params: IdParams,
        response: {
          200: Type.Object({
            session: Session,
            events: Type.Array(SessionEvent),
            text: Type.Unknown({ description: '{log, scores, convertedAt, indexedAt} or null' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const session = await sessionOr404(req.params.id);
      const text = await s.store.sessionTexts.get(session.id);
      return {
        session,
        events: await s.store.sessions.listEvents(session.id),
        text: text
          ? {
              log: text.log,
              scores: text.scores,
              convertedAt: text.convertedAt,
              indexedAt: text.indexedAt,
              scoredAt: text.scoredAt,
            }
          : null,
      };
    },
  );
  for (const part of ['output', 'input'] as const) {
    r.get(
      part === 'output' ? '/api/v1/sessions/:id/recording' : '/api/v1/sessions/:id/input',
      {
        onRequest: auth(part === 'output' ? 'auditor' : 'admin'),
        schema: {
          tags,
          summary:
            part === 'output'
              ? 'The session recording (asciicast v2: asciinema play, asciinema-player)'
              : 'What the person typed (asciicast v2 "i" events): may hold passwords typed at prompts',
          params: IdParams,
          response: { 200: Type.Unknown({ description: 'application/x-asciicast' }), ...errors },
        },
      },
      async (req, reply) => {
        const session = await sessionOr404(req.params.id);
        const { actor } = caller(req);
        await s.store.audit.append({
          at: Date.now(),
          actor,
          action: part === 'output' ? 'session.recording.download' : 'session.input.download',
          subject: session.id,
          details: { personUid: session.personUid, target: session.target },
        });
        return sendCast(
          reply,
          session,
          part === 'output' ? session.recordingPath : session.inputPath,
          part,
        );
      },
    );
  }
  r.post(
    '/api/v1/sessions/:id/terminate',
    {
      onRequest: auth('admin'),
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        summary: 'End a live session (its controller ends it within seconds)',
        params: IdParams,
        body: TerminateBody,
        response: { 200: Session, ...errors },
      },
    },
    async (req) => {
      const before = await sessionOr404(req.params.id);
      const { actor } = caller(req);
      const now = Date.now();
      const asked = await s.store.sessions.update(before.id, OPEN_SESSION_STATES, {
        terminateRequestedAt: now,
        terminateRequestedBy: actor,
      });
      if (!asked)
        throw conflict(`session ${before.id} is ${before.state}, not live`, {
          details: { state: before.state },
        });
      await s.store.audit.append({
        at: now,
        actor,
        action: 'session.terminate',
        subject: before.id,
        details: {
          personUid: before.personUid,
          target: before.target,
          ...(req.body.reason ? { reason: req.body.reason } : {}),
        },
      });
      // Held here: ended now. Held by another controller: its heartbeat ends it.
      const live = s.sessionGateway?.get(before.id);
      if (live) {
        await live.terminate(actor, req.body.reason ?? `the session was terminated by ${actor}`);
        return (await s.store.sessions.get(before.id)) ?? asked;
      }
      return asked;
    },
  );
}
