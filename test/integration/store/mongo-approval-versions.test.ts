/**
 * The MongoDB approval store's compare-and-set (mongo-approval-versions.ts) against
 * FerretDB: the request document follows each claimed version, and a version claimed by a
 * writer that stopped before writing the document (or whose write was undone by a late
 * write of an older version) is what every reader sees, and the document is brought up to it.
 */
import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequestRecord } from '../../../controller/store/approval-records';
import { mongoApprovalRepository } from '../../../controller/store/mongodb/mongo-approval-repository';
import type {
  RequestDoc,
  VersionDoc,
} from '../../../controller/store/mongodb/mongo-approval-versions';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';

const record = (id: string): ApprovalRequestRecord => ({
  id,
  subject: {
    kind: 'authorization',
    request: { publicKey: 'ssh-ed25519 AAAA x', account: 'deploy', groupId: 'web', options: [] },
  },
  subjectKey: null,
  fingerprint: 'SHA256:x',
  account: 'deploy',
  target: { groupId: 'web' },
  requester: 'token:ops#1',
  reason: null,
  approvers: [],
  rules: [],
  tokens: [],
  state: 'pending',
  createdAt: 1,
  expiresAt: 10,
  decidedAt: null,
  outcome: null,
  updatedAt: 1,
});

describe('approval request versions on FerretDB', () => {
  let mongo: TestMongo;
  let client: MongoClient;
  let db: Db;
  beforeAll(async () => {
    mongo = await startFerretDb();
    client = new MongoClient(mongo.url);
    db = client.db();
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  it('writes each version to the document and rolls a lagging document forward on read', async () => {
    const repo = mongoApprovalRepository(db);
    const requests = db.collection<RequestDoc>('approval_requests');
    await repo.createRequest(record('apr_v'));
    await repo.transition('apr_v', ['pending'], 'approved', { decidedAt: 5 }, 5);
    await repo.transition('apr_v', ['approved'], 'failed', {}, 6);
    expect(await requests.findOne({ _id: 'apr_v' })).toMatchObject({ state: 'failed', version: 2 });

    // Version 3 claimed, its document write lost.
    const { _id: _unused, ...doc } = (await requests.findOne({ _id: 'apr_v' })) as RequestDoc;
    await db.collection<VersionDoc>('approval_request_versions').insertOne({
      _id: 'apr_v@3',
      requestId: 'apr_v',
      version: 3,
      record: { ...doc, subjectKey: null, updatedAt: 7, version: 3 },
    });
    expect(await repo.getRequest('apr_v')).toMatchObject({
      state: 'failed',
      updatedAt: 7,
      version: 3,
    });
    expect(await requests.findOne({ _id: 'apr_v' })).toMatchObject({ updatedAt: 7, version: 3 });
    // The next change builds on version 3, not on what the document said.
    expect(await repo.transition('apr_v', ['failed'], 'expired', {}, 8)).toMatchObject({
      state: 'expired',
      version: 4,
    });
    expect((await repo.listRequests({ state: ['expired'] }, { limit: 5 })).items).toHaveLength(1);
  });
});
