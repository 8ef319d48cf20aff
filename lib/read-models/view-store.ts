import { isDuplicateKeyError, type AnyBulkWriteOperation, type Collection, type Db } from '../adapters/mongo';
import { ALIAS_COLLECTION, VIEWS, defaultCollection, type ViewName } from './views';
import {
  foldEvents,
  VIEW_SPECS,
  type EvolveFailure,
  type ProjectionEvent,
  type ViewDocument,
} from './projections/projection-views';

/**
 * FerretDB v1 (SQLite) keeps each statement's result open, holding one of a database's 100
 * connections, until its whole `update` command ends; at about 100 open at once the database hangs
 * for good. The runner writes up to 5 partitions at once, so one logical bulk write is sent in
 * slices small enough that 5 of them stay well under that (5 × 15 = 75).
 */
const WRITE_SLICE = 15;

export interface AliasDocument {
  _id: ViewName;
  collection: string;
  swappedAt: string;
}

export type PhysicalCollections = Record<ViewName, string>;

/** The physical collection behind each view: its alias document, else `<view>_view`. */
export const resolveCollections = async (db: Db): Promise<PhysicalCollections> => {
  const aliases = await db.collection<AliasDocument>(ALIAS_COLLECTION).find({}).toArray();
  const named = new Map(aliases.map((a) => [a._id, a.collection]));
  return Object.fromEntries(
    VIEWS.map((v) => [v, named.get(v) ?? defaultCollection(v)]),
  ) as PhysicalCollections;
};

export const ensureIndexes = async (db: Db, view: ViewName, collection: string): Promise<void> => {
  for (const key of VIEW_SPECS[view].indexes) await db.collection(collection).createIndex(key);
};

const guardedReplace = (doc: ViewDocument, upsert: boolean): AnyBulkWriteOperation<ViewDocument> => ({
  replaceOne: { filter: { _id: doc._id, version: { $lt: doc.version } }, replacement: doc, upsert },
});

/**
 * Writes documents only where the stored one is older (G4). Known documents are replaced
 * without upsert; new ones are upserted, and a duplicate key there means another writer put a
 * document with this id at the same or a higher version meanwhile: "already newer", not a
 * failure. FerretDB stops an ordered bulk at that error and reports the wrong index, so the
 * slice is re-sent one operation at a time; every operation is idempotent under the guard.
 */
export const writeGuarded = async (
  collection: Collection<ViewDocument>,
  docs: readonly ViewDocument[],
  stored: ReadonlySet<string>,
): Promise<void> => {
  const ops = docs.map((d) => guardedReplace(d, !stored.has(d._id)));
  for (let i = 0; i < ops.length; i += WRITE_SLICE) {
    const slice = ops.slice(i, i + WRITE_SLICE);
    try {
      await collection.bulkWrite(slice, { ordered: true });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      for (const op of slice) {
        await collection.bulkWrite([op], { ordered: true }).catch((one: unknown) => {
          if (!isDuplicateKeyError(one)) throw one;
        });
      }
    }
  }
};

/**
 * One view's share of a batch: read the current documents once, fold the events onto them in
 * memory, write each changed document once. Returns every document the batch's events have
 * reached, written now or by an earlier attempt that failed part-way (a retry finds those
 * already at their version and does not write them again, but they must still be announced).
 */
export const projectInto = async (
  db: Db,
  collectionName: string,
  events: readonly ProjectionEvent[],
  onEvolveFailure?: EvolveFailure,
): Promise<ViewDocument[]> => {
  if (events.length === 0) return [];
  const collection = db.collection<ViewDocument>(collectionName);
  const ids = [...new Set(events.map((e) => e.aggregateId))];
  const current = await collection.find({ _id: { $in: ids } }).toArray();
  const docs = new Map(current.map((d) => [d._id, d]));
  const stored = new Set(docs.keys());
  const changed = [...foldEvents(docs, events, onEvolveFailure)].map((id) => docs.get(id) as ViewDocument);
  await writeGuarded(collection, changed, stored);
  const lowest = new Map<string, number>();
  for (const e of events)
    lowest.set(e.aggregateId, Math.min(lowest.get(e.aggregateId) ?? e.version, e.version));
  return ids
    .map((id) => docs.get(id))
    .filter((d): d is ViewDocument => d !== undefined && d.version >= (lowest.get(d._id) ?? Infinity));
};
