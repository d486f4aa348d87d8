/**
 * Session texts in MongoDB. Indexing a session deletes its entries and inserts the new
 * ones; the entries' `_id` (session id and seq) makes a repeated index of the same session
 * by two controllers end with one copy of each command. A search asks the terms indexes
 * for candidates and leaves the exact test and the paging to collectSearchPage.
 */
import type { Db, Filter } from 'mongodb';
import { collectSearchPage, type CandidateKey, type CandidateRow } from '../session-text-paging';
import type {
  CommandScore,
  SessionLog,
  SessionMetadata,
  SessionTextRecord,
} from '../session-text-records';
import {
  candidateTokens,
  indexTerms,
  indexedTextBound,
  parseSessionSearch,
} from '../session-text-search';
import type { SessionTextRepository } from '../session-text-store';
import { guarded } from './translate-errors';
import { upsertRetried } from './collections';

interface SessionTextDoc {
  _id: string;
  startedAt: number;
  /** JSON of SessionMetadata and SessionLog: stored as text, read back whole. */
  session: string;
  log: string;
  convertedAt: number;
  indexedAt: number | null;
  scores: string | null;
  scoredAt: number | null;
  /** The seqs of the entries indexed for it: they are deleted by `_id`, never by a filter. */
  entrySeqs?: number[];
}

interface EntryDoc {
  _id: string;
  sessionId: string;
  seq: number;
  sessionStartedAt: number;
  startedAt: number;
  hostId: string;
  person: string;
  command: string;
  text: string;
  terms: string[];
  commandTerms: string[];
}

const entryId = (sessionId: string, seq: number) => `${sessionId}/${String(seq).padStart(6, '0')}`;

export function mongoSessionTextRepository(db: Db): SessionTextRepository {
  const texts = db.collection<SessionTextDoc>('session_texts');
  const entries = db.collection<EntryDoc>('session_text_entries');

  /**
   * Deletes the session's entries by `_id`: FerretDB answers a delete by any other filter by
   * reading the whole collection, which made indexing 10,000 sessions quadratic.
   */
  const dropEntries = async (sessionId: string): Promise<boolean> => {
    const doc = await texts.findOne({ _id: sessionId }, { projection: { entrySeqs: 1 } });
    const seqs = doc?.entrySeqs ?? [];
    if (seqs.length > 0)
      await entries.bulkWrite(
        seqs.map((seq) => ({ deleteOne: { filter: { _id: entryId(sessionId, seq) } } })),
        { ordered: false },
      );
    return doc !== null;
  };

  const repo: SessionTextRepository = {
    putLog: async (s, log, now) => {
      await dropEntries(s.sessionId);
      await upsertRetried(() =>
        texts.replaceOne(
          { _id: s.sessionId },
          {
            startedAt: s.startedAt,
            session: JSON.stringify(s),
            log: JSON.stringify(log),
            convertedAt: now,
            indexedAt: null,
            scores: null,
            scoredAt: null,
            entrySeqs: [],
          },
          { upsert: true },
        ),
      );
    },
    get: async (sessionId) => {
      const d = await texts.findOne({ _id: sessionId });
      if (!d) return null;
      const rec: SessionTextRecord = {
        session: JSON.parse(d.session) as SessionMetadata,
        log: JSON.parse(d.log) as SessionLog,
        convertedAt: d.convertedAt,
        indexedAt: d.indexedAt,
        scores: d.scores === null ? null : (JSON.parse(d.scores) as CommandScore[]),
        scoredAt: d.scoredAt,
      };
      return rec;
    },
    index: async (s, commands, now) => {
      if (!(await dropEntries(s.sessionId))) return false;
      const docs: EntryDoc[] = commands.map((c) => {
        const text = indexedTextBound(c.text);
        const commandTerms = indexTerms(c.command);
        return {
          _id: entryId(s.sessionId, c.seq),
          sessionId: s.sessionId,
          seq: c.seq,
          sessionStartedAt: s.startedAt,
          startedAt: c.startedAt,
          hostId: s.hostId,
          person: s.person,
          command: c.command,
          text,
          terms: [...new Set([...commandTerms, ...indexTerms(text)])],
          commandTerms,
        };
      });
      // Batches keep each insert well under the server's message size.
      for (let i = 0; i < docs.length; i += 200) {
        await entries.insertMany(docs.slice(i, i + 200), { ordered: false }).catch((err) => {
          // Another controller indexing the same session inserted some first: same content.
          if ((err as { code?: number }).code !== 11000) throw err;
        });
      }
      const kept = await texts.updateOne(
        { _id: s.sessionId },
        {
          $set: {
            indexedAt: now,
            session: JSON.stringify(s),
            startedAt: s.startedAt,
            entrySeqs: commands.map((c) => c.seq),
          },
        },
      );
      return kept.matchedCount > 0;
    },
    setScores: async (sessionId, scores, now) =>
      (
        await texts.updateOne(
          { _id: sessionId },
          { $set: { scores: JSON.stringify(scores), scoredAt: now } },
        )
      ).matchedCount > 0,
    search: async (query) => {
      const p = parseSessionSearch(query);
      const toks = candidateTokens(p);
      const base: Filter<EntryDoc> = {};
      if (toks.any.length > 0) base.terms = { $all: toks.any };
      if (toks.command.length > 0) base.commandTerms = { $all: toks.command };
      if (p.hostId !== null) base.hostId = p.hostId;
      if (p.person !== null) base.person = p.person;
      if (p.from !== null || p.to !== null)
        base.startedAt = {
          ...(p.from !== null ? { $gte: p.from } : {}),
          ...(p.to !== null ? { $lt: p.to } : {}),
        };
      const fetchBatch = async (after: CandidateKey | null, limit: number) => {
        const filter: Filter<EntryDoc> = after
          ? {
              ...base,
              $or: [
                { sessionStartedAt: { $lt: after.sessionStartedAt } },
                { sessionStartedAt: after.sessionStartedAt, sessionId: { $lt: after.sessionId } },
                {
                  sessionStartedAt: after.sessionStartedAt,
                  sessionId: after.sessionId,
                  seq: { $gt: after.seq },
                },
              ],
            }
          : base;
        const docs = await entries
          .find(filter, {
            projection: {
              sessionId: 1,
              sessionStartedAt: 1,
              seq: 1,
              command: 1,
              text: 1,
              startedAt: 1,
            },
          })
          .sort({ sessionStartedAt: -1, sessionId: -1, seq: 1 })
          .limit(limit)
          .toArray();
        return docs.map((d): CandidateRow => ({
          sessionId: d.sessionId,
          sessionStartedAt: d.sessionStartedAt,
          seq: d.seq,
          command: d.command,
          text: d.text,
          startedAt: d.startedAt,
        }));
      };
      const loadSessions = async (ids: string[]) => {
        const map = new Map<string, SessionMetadata>();
        if (ids.length === 0) return map;
        for (const d of await texts
          .find({ _id: { $in: ids } }, { projection: { session: 1 } })
          .toArray()) {
          const s = JSON.parse(d.session) as SessionMetadata;
          map.set(s.sessionId, s);
        }
        return map;
      };
      return collectSearchPage(p, fetchBatch, loadSessions);
    },
    remove: async (sessionId) => {
      await dropEntries(sessionId);
      return (await texts.deleteOne({ _id: sessionId })).deletedCount > 0;
    },
  };
  return guarded('sessionTexts', repo);
}
