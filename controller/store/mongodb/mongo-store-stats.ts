/**
 * Collection figures of the MongoDB store for the primary key monitor: documents and
 * bytes from collStats, and id headroom for a collection whose ids are numbers (a
 * counter): its largest id against 2^53-1, the largest integer a double (and so the
 * driver's JavaScript number) holds exactly. Keywarden's own ids are time-ordered strings.
 */
import type { Db, Document } from 'mongodb';
import type { StoreStatsRepository, TableStat } from '../archive-store';

const MAX_EXACT_ID = Number.MAX_SAFE_INTEGER;

export function mongoStoreStatsRepository(db: Db): StoreStatsRepository {
  return {
    tables: async () => {
      const names = (await db.listCollections({}, { nameOnly: true }).toArray())
        .map((c) => c.name)
        .filter((n) => !n.startsWith('system.'))
        .sort();
      const out: TableStat[] = [];
      for (const name of names) {
        const s = await db.command({ collStats: name });
        const stat: TableStat = {
          table: name,
          rows: Number(s.count ?? 0),
          bytes: Number(s.size ?? 0) + Number(s.totalIndexSize ?? 0),
        };
        // An empty collection has no key to look at (most are, on a young store).
        const [top] =
          stat.rows === 0
            ? []
            : await db
                .collection<Document>(name)
                .find({}, { projection: { _id: 1 } })
                .sort({ _id: -1 })
                .limit(1)
                .toArray();
        if (typeof top?._id === 'number')
          stat.key = { column: '_id', max: top._id, limit: MAX_EXACT_ID };
        out.push(stat);
      }
      return out;
    },
    totalBytes: async () => {
      const s = await db.command({ dbStats: 1 });
      return Number(s.dataSize ?? 0) + Number(s.indexSize ?? 0);
    },
  };
}
