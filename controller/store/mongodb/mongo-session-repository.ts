/**
 * Gateway sessions and their events in MongoDB. Ending a session is a conditional update on
 * its state; on a server whose updates are not atomic (FerretDB) a finalizer and the
 * holding process racing to end the same session could both write an end state: the
 * session ends either way, only which end is recorded could differ.
 */
import type { Db, Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import type { SessionEventRecord, SessionRecord } from '../session-records';
import type { SessionRepository } from '../session-store';
import { isDuplicateKey } from './collections';
import { listPage } from './page';
import { guarded } from './translate-errors';

type SessionDoc = Omit<SessionRecord, 'id'> & { _id: string };
type EventDoc = Omit<SessionEventRecord, 'id' | 'details'> & { _id: string; details: string };

const fromDoc = ({ _id, ...rest }: SessionDoc): SessionRecord => ({ id: _id, ...rest });

export function mongoSessionRepository(db: Db): SessionRepository {
  const sessions = db.collection<SessionDoc>('sessions');
  const events = db.collection<EventDoc>('session_events');
  return guarded('sessions', {
    create: async (s: SessionRecord) => {
      const { id, ...rest } = s;
      try {
        await sessions.insertOne({ _id: id, ...rest });
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`a session ${id} exists`, { details: { id } });
        throw err;
      }
      return s;
    },
    get: async (id: string) => {
      const doc = await sessions.findOne({ _id: id });
      return doc ? fromDoc(doc) : null;
    },
    list: async (f, p) => {
      const q: Filter<SessionDoc> = {};
      if (f.state) q.state = { $in: f.state };
      if (f.personId !== undefined) q.personId = f.personId;
      if (f.hostId !== undefined) q.hostId = f.hostId;
      if (f.controllerId !== undefined) q.controllerId = f.controllerId;
      if (f.startedSince !== undefined || f.startedUntil !== undefined)
        q.startedAt = {
          ...(f.startedSince !== undefined ? { $gte: f.startedSince } : {}),
          ...(f.startedUntil !== undefined ? { $lt: f.startedUntil } : {}),
        };
      if (f.lastSeenBefore !== undefined) q.lastSeenAt = { $lt: f.lastSeenBefore };
      if (f.terminateRequested !== undefined)
        q.terminateRequestedAt = f.terminateRequested ? { $ne: null } : null;
      return listPage(sessions, q, p, fromDoc);
    },
    update: async (id, from, patch) => {
      if (!from.length) return null;
      const doc = await sessions.findOneAndUpdate(
        { _id: id, state: { $in: [...from] } },
        { $set: patch },
        { returnDocument: 'after' },
      );
      return doc ? fromDoc(doc) : null;
    },
    heartbeat: async (items, now) => {
      if (!items.length) return;
      await sessions.bulkWrite(
        items.map((i) => ({
          updateOne: {
            filter: { _id: i.id, state: { $in: ['connecting', 'live'] } },
            update: { $set: { lastSeenAt: now, bytesOut: i.bytesOut, bytesIn: i.bytesIn } },
          },
        })),
        { ordered: false },
      );
    },
    addEvent: async (e: SessionEventRecord) => {
      const { id, details, ...rest } = e;
      await events.insertOne({ _id: id, ...rest, details: JSON.stringify(details) });
    },
    listEvents: async (sessionId: string) =>
      (await events.find({ sessionId }).sort({ _id: 1 }).toArray()).map(
        ({ _id, details, ...rest }) => ({
          id: _id,
          ...rest,
          details: JSON.parse(details) as Record<string, unknown>,
        }),
      ),
  } satisfies SessionRepository);
}
