/**
 * The agent repositories of the MongoDB store. Where one caller must win (consuming an
 * enrollment token, binding an agent to its host, storing a result) a unique `_id`
 * insert decides, since conditional updates are read-then-write on FerretDB. Assignment
 * state moves are conditional updates: a duplicate move (two controllers delivering the
 * same assignment) is harmless because agents drop an assignment they already have.
 */
import type { Db } from 'mongodb';
import type * as A from '../agent-records';
import type {
  AgentFleetRepositories,
  AgentRepository,
  AgentResultRepository,
  AssignmentRepository,
  EnrollmentTokenRepository,
} from '../agent-store';
import { isDuplicateKey } from './collections';
import { guarded } from './translate-errors';

/** Documents written before revocation existed lack its fields (read as null). */
type AgentDoc = Omit<A.AgentRecord, 'id' | 'facts' | RevocationFields> & {
  _id: string;
  facts: string;
} & Partial<Pick<A.AgentRecord, RevocationFields>>;
type RevocationFields =
  | 'previousCertificateSerial'
  | 'certificateSupersededAt'
  | 'revokedAt'
  | 'revokedBy'
  | 'revokedReason'
  | 'credentialsChangedAt';
type TokenDoc = Omit<A.EnrollmentTokenRecord, 'id'> & { _id: string };
/** Documents written before steps existed have no `step` (it was 0) and no `operation`. */
type AssignmentDoc = Omit<A.AssignmentRecord, 'args' | 'step'> & {
  _id: string;
  args: string;
  step?: number;
};
type ResultDoc = Omit<A.AgentResultRecord, 'output' | 'step' | 'operation'> & {
  _id: string;
  output: string;
  step?: number;
  operation?: string;
};
interface UseDoc {
  _id: string;
  holder: string;
  at: number;
}

/** The `_id` of an operation's assignment and result; step 0 keeps the id it had before steps. */
const key = (k: A.OperationKey) =>
  k.step === 0 ? `${k.jobId}:${k.attempt}` : `${k.jobId}:${k.attempt}:${k.step}`;

async function wins(insert: () => Promise<unknown>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

function agents(db: Db): AgentRepository {
  const c = db.collection<AgentDoc>('agents');
  const bindings = db.collection<UseDoc>('agent_host_bindings');
  const toRecord = ({ _id, facts, ...rest }: AgentDoc): A.AgentRecord => ({
    id: _id,
    ...rest,
    previousCertificateSerial: rest.previousCertificateSerial ?? null,
    certificateSupersededAt: rest.certificateSupersededAt ?? null,
    revokedAt: rest.revokedAt ?? null,
    revokedBy: rest.revokedBy ?? null,
    revokedReason: rest.revokedReason ?? null,
    credentialsChangedAt: rest.credentialsChangedAt ?? null,
    facts: JSON.parse(facts) as Record<string, unknown>,
  });
  const get = async (id: string) => {
    const d = await c.findOne({ _id: id });
    return d ? toRecord(d) : null;
  };
  return {
    create: async (a, now) => {
      const { id, facts, ...rest } = a;
      await c.insertOne({
        _id: id,
        ...rest,
        facts: JSON.stringify(facts),
        hostId: null,
        previousCertificateSerial: null,
        certificateSupersededAt: null,
        revokedAt: null,
        revokedBy: null,
        revokedReason: null,
        credentialsChangedAt: null,
        connectionId: null,
        connectedTo: null,
        lastConnectedAt: null,
        lastDisconnectedAt: null,
        connections: 0,
        nextConnectionAt: null,
        enrolledAt: now,
        updatedAt: now,
      });
      return (await get(id)) as A.AgentRecord;
    },
    get,
    bindHost: async (id, hostId, now) => {
      if (!(await wins(() => bindings.insertOne({ _id: id, holder: hostId, at: now })))) {
        return false;
      }
      await c.updateOne({ _id: id }, { $set: { hostId, updatedAt: now } });
      return true;
    },
    recordConnection: async (id, conn, now) => {
      await c.updateOne({ _id: id }, connectionUpdate(conn, now));
    },
    recordConnections: async (items, now) => {
      if (items.length === 0) return;
      await c.bulkWrite(
        items.map((i) => ({
          updateOne: { filter: { _id: i.id }, update: connectionUpdate(i.conn, now) },
        })),
        { ordered: true },
      );
    },
    recordDisconnect: async (id, connectionId, now) => {
      await c.updateOne({ _id: id, connectionId }, disconnectUpdate(now));
    },
    recordDisconnects: async (items, now) => {
      if (items.length === 0) return;
      await c.bulkWrite(
        items.map((i) => ({
          updateOne: {
            filter: { _id: i.id, connectionId: i.connectionId },
            update: disconnectUpdate(now),
          },
        })),
        { ordered: true },
      );
    },
    setCertificate: async (id, cert, now) => {
      // Renewals of one agent are serialised by the agent itself (one at a time), so the
      // read-then-write here does not race another renewal of the same agent.
      const d = await c.findOne({ _id: id });
      if (!d || d.certificateSerial === cert.serial) return;
      await c.updateOne(
        { _id: id, certificateSerial: d.certificateSerial },
        {
          $set: {
            previousCertificateSerial: d.certificateSerial,
            certificateSupersededAt: now,
            certificateSerial: cert.serial,
            certificateNotAfter: cert.notAfter,
            credentialsChangedAt: now,
            updatedAt: now,
          },
        },
      );
    },
    revoke: async (id, rev, now) => {
      // Documents from before revocation have no revokedAt: match missing as well as null.
      const res = await c.updateOne(
        { _id: id, $or: [{ revokedAt: null }, { revokedAt: { $exists: false } }] },
        {
          $set: {
            revokedAt: now,
            revokedBy: rev.by,
            revokedReason: rev.reason,
            credentialsChangedAt: now,
            updatedAt: now,
          },
        },
      );
      return res.modifiedCount === 1;
    },
    listByHost: async (hostId) => (await c.find({ hostId }).toArray()).map(toRecord),
    listCredentialChanges: async (since, limit) =>
      (
        await c
          .find({ credentialsChangedAt: { $gte: since } })
          .sort({ credentialsChangedAt: 1 })
          .limit(limit)
          .toArray()
      ).map(toRecord),
    setNextConnection: async (id, at) => {
      await c.updateOne({ _id: id }, { $set: { nextConnectionAt: at } });
    },
    count: () => c.countDocuments({}),
    listCertificatesEndingBefore: async (before, limit) =>
      (
        await c
          .find({ certificateNotAfter: { $lt: before }, revokedAt: null })
          .sort({ certificateNotAfter: 1 })
          .limit(limit)
          .toArray()
      ).map(toRecord),
  };
}

function tokens(db: Db): EnrollmentTokenRepository {
  const c = db.collection<TokenDoc>('enrollment_tokens');
  const uses = db.collection<UseDoc>('enrollment_token_uses');
  const toRecord = ({ _id, ...rest }: TokenDoc): A.EnrollmentTokenRecord => ({ id: _id, ...rest });
  return {
    create: async (t) => {
      const { id, ...rest } = t;
      await c.insertOne({ _id: id, ...rest });
    },
    consume: async (hash, agentId, now) => {
      const d = await c.findOne({ tokenHash: hash });
      if (!d) return { ok: false, reason: 'unknown', token: null };
      const token = toRecord(d);
      if (token.usedAt !== null) return { ok: false, reason: 'used', token };
      if (token.expiresAt <= now) return { ok: false, reason: 'expired', token };
      if (!(await wins(() => uses.insertOne({ _id: hash, holder: agentId, at: now })))) {
        return { ok: false, reason: 'used', token };
      }
      await c.updateOne({ _id: token.id }, { $set: { usedAt: now, usedByAgent: agentId } });
      return { ok: true, token: { ...token, usedAt: now, usedByAgent: agentId } };
    },
    get: async (id) => {
      const d = await c.findOne({ _id: id });
      return d ? toRecord(d) : null;
    },
  };
}

function assignments(db: Db): AssignmentRepository {
  const c = db.collection<AssignmentDoc>('agent_assignments');
  const toRecord = ({ _id: _key, args, step, ...rest }: AssignmentDoc): A.AssignmentRecord => ({
    ...rest,
    step: step ?? 0,
    args: JSON.parse(args) as unknown,
  });
  const get = async (k: A.OperationKey) => {
    const d = await c.findOne({ _id: key(k) });
    return d ? toRecord(d) : null;
  };
  const move = async (k: A.OperationKey, from: A.AssignmentState[], set: Partial<AssignmentDoc>) =>
    (await c.updateOne({ _id: key(k), state: { $in: from } }, { $set: set })).modifiedCount === 1;
  return {
    put: async (a, now) => {
      await wins(() =>
        c.insertOne({
          _id: key(a),
          ...a,
          args: JSON.stringify(a.args ?? null),
          state: 'pending',
          connectionId: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
      return (await get(a)) as A.AssignmentRecord;
    },
    get,
    listActionable: async (hostIds, limit) => {
      const out: A.AssignmentRecord[] = [];
      for (let i = 0; i < hostIds.length && out.length < limit; i += 1000) {
        const docs = await c
          .find({
            hostId: { $in: hostIds.slice(i, i + 1000) },
            state: { $in: ['pending', 'cancelling'] },
          })
          .sort({ createdAt: 1 })
          .limit(limit - out.length)
          .toArray();
        out.push(...docs.map(toRecord));
      }
      return out;
    },
    listOpenForHost: async (hostId) =>
      (
        await c
          .find({ hostId, state: { $ne: 'ended' } })
          .sort({ createdAt: 1 })
          .toArray()
      ).map(toRecord),
    markDelivered: (k, connectionId, now) =>
      move(k, ['pending', 'delivered', 'lost'], {
        state: 'delivered',
        connectionId,
        updatedAt: now,
      }),
    requestCancel: (k, now) =>
      move(k, ['pending', 'delivered', 'lost'], {
        state: 'cancelling',
        updatedAt: now,
      }),
    markCancelSent: (k, now) => move(k, ['cancelling'], { state: 'cancel-sent', updatedAt: now }),
    markCancelAcknowledged: (k, now) =>
      move(k, ['cancelling', 'cancel-sent'], {
        state: 'cancel-acknowledged',
        updatedAt: now,
      }),
    reopenLost: (k, now) => move(k, ['lost'], { state: 'pending', updatedAt: now }),
    markLost: async (hostId, connectionId, now) =>
      (
        await c.updateMany(
          { hostId, connectionId, state: 'delivered' },
          { $set: { state: 'lost', updatedAt: now } },
        )
      ).modifiedCount,
    markEnded: async (k, now) => {
      await move(k, ['pending', 'delivered', 'lost', 'cancelling', 'cancel-sent'], {
        state: 'ended',
        updatedAt: now,
      });
    },
    purgeEnded: async (before) =>
      (
        await c.deleteMany({
          state: { $in: ['ended', 'cancel-acknowledged'] },
          updatedAt: { $lt: before },
        })
      ).deletedCount,
  };
}

function results(db: Db): AgentResultRepository {
  const c = db.collection<ResultDoc>('agent_results');
  const toRecord = ({
    _id: _key,
    output,
    step,
    operation,
    ...rest
  }: ResultDoc): A.AgentResultRecord => ({
    ...rest,
    step: step ?? 0,
    operation: operation ?? '',
    output: JSON.parse(output) as unknown,
  });
  const get = async (k: A.OperationKey) => {
    const d = await c.findOne({ _id: key(k) });
    return d ? toRecord(d) : null;
  };
  return {
    insert: async (r) => {
      const created = await wins(() =>
        c.insertOne({
          _id: key(r),
          ...r,
          output: JSON.stringify(r.output ?? null),
        }),
      );
      return { created, stored: (await get(r)) as A.AgentResultRecord };
    },
    get,
    findSuccessBefore: async (k) => {
      // A job has a few results; the step is matched here because documents from before
      // steps have none, and servers disagree on how a query matches a missing field.
      const docs = await c
        .find({ jobId: k.jobId, attempt: { $lt: k.attempt }, ok: true })
        .sort({ attempt: -1 })
        .toArray();
      const d = docs.find((x) => (x.step ?? 0) === k.step);
      return d ? toRecord(d) : null;
    },
    count: () => c.countDocuments({}),
  };
}

export function mongoAgentRepositories(db: Db): AgentFleetRepositories {
  return {
    agents: guarded('agents', agents(db)),
    enrollmentTokens: guarded('enrollmentTokens', tokens(db)),
    assignments: guarded('assignments', assignments(db)),
    results: guarded('agentResults', results(db)),
  };
}

/** The update recordConnection makes: this connection holds the agent, one more connection. */
function connectionUpdate(
  conn: { connectionId: string; controllerId: string; version?: string; facts?: object },
  now: number,
) {
  return {
    $set: {
      connectionId: conn.connectionId,
      connectedTo: conn.controllerId,
      lastConnectedAt: now,
      updatedAt: now,
      ...(conn.version ? { version: conn.version } : {}),
      ...(conn.facts ? { facts: JSON.stringify(conn.facts) } : {}),
    },
    $inc: { connections: 1 },
  };
}

/** The update recordDisconnect makes (filtered on the connection it ends). */
function disconnectUpdate(now: number) {
  return {
    $set: { connectionId: null, connectedTo: null, lastDisconnectedAt: now, updatedAt: now },
  };
}
