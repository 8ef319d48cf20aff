import { isDuplicateKeyError, type Collection, type Db } from '../../adapters/mongo';
import type { ViewName } from '../views';
import {
  foldEvents,
  type EvolveFailure,
  type ProjectionEvent,
  type ViewDocument,
} from '../projections/projection-views';
import { writeGuarded, type PhysicalCollections } from '../view-store';

/**
 * How a replay writes into the collections it is building. Nothing else writes there before the
 * swap, so unlike the live path (read, fold, guarded upsert per batch) documents are folded in
 * memory across batches and written when `maxDocuments` are pending: the new ones with an
 * insert per chunk, those an earlier flush wrote with a replace. A document is read back from the
 * collection only when an event reaches it after it was flushed. Memory holds at most
 * `maxDocuments` documents (and the ids written so far), whatever the history's size.
 *
 * `npm run bench:replay` (1,000,000 order events, 100,000 orders, FerretDB on SQLite): the live
 * path per batch (a read, a fold, a slice of guarded upserts) replayed about 900 events/s and fell
 * as the collection grew, its consumer session expiring between batches; this writer, 13,846
 * events/s, 804 MiB peak RSS. The database's inserts are the ceiling: with the write behind, the
 * fold waits for them (profile and figures in benchmarks/results/README.md).
 */
export interface ReplayWriter {
  /** Folds one view's events onto its documents; flushes when the buffer is full. */
  project(view: ViewName, events: readonly ProjectionEvent[], onEvolveFailure?: EvolveFailure): Promise<void>;
  /** Writes every pending document. Idempotent: a retried flush writes each document once more at most. */
  flush(): Promise<void>;
  /** Documents folded and not yet written. */
  pending(): number;
}

export interface ReplayWriterOptions {
  db: Db;
  collections: PhysicalCollections;
  /** Pending documents, across views, that trigger a flush (default 20,000). */
  maxDocuments?: number;
  /** Documents per insert command (default 1,000). */
  insertChunk?: number;
  /** Runs each write until it succeeds or the replay gives up (the replay's own retry). */
  retrying?: <T>(step: () => Promise<T>) => Promise<T>;
}

const READ_CHUNK = 1_000;

export const createReplayWriter = ({
  db,
  collections,
  maxDocuments = 20_000,
  insertChunk = 1_000,
  retrying = (step) => step(),
}: ReplayWriterOptions): ReplayWriter => {
  const buffers = new Map<ViewName, Map<string, ViewDocument>>();
  const written = new Map<ViewName, Set<string>>();
  let pendingCount = 0;
  const collection = (view: ViewName) => db.collection<ViewDocument>(collections[view]);
  const writtenOf = (view: ViewName): Set<string> => {
    let ids = written.get(view);
    if (!ids) written.set(view, (ids = new Set()));
    return ids;
  };

  /** The stored documents of ids a flush wrote earlier and the buffer no longer holds. */
  const readBack = async (view: ViewName, ids: string[]): Promise<ViewDocument[]> => {
    const docs: ViewDocument[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const chunk = ids.slice(i, i + READ_CHUNK);
      docs.push(
        ...(await retrying(() =>
          collection(view)
            .find({ _id: { $in: chunk } })
            .toArray(),
        )),
      );
    }
    return docs;
  };

  /** New documents: an insert per chunk; a chunk a failed attempt left half-written is upserted. */
  const insertNew = async (target: Collection<ViewDocument>, docs: ViewDocument[]): Promise<void> => {
    for (let i = 0; i < docs.length; i += insertChunk) {
      const chunk = docs.slice(i, i + insertChunk);
      await retrying(async () => {
        try {
          await target.insertMany(chunk, { ordered: false });
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          await writeGuarded(target, chunk, new Set());
        }
      });
    }
  };

  /** Writes a set of buffers taken out of the fold; each view's documents once. */
  const write = async (taken: Map<ViewName, Map<string, ViewDocument>>): Promise<void> => {
    for (const [view, buffer] of taken) {
      const ids = writtenOf(view);
      const fresh: ViewDocument[] = [];
      const known: ViewDocument[] = [];
      for (const doc of buffer.values()) (ids.has(doc._id) ? known : fresh).push(doc);
      const target = collection(view);
      await insertNew(target, fresh);
      if (known.length > 0) await retrying(() => writeGuarded(target, known, ids));
      for (const doc of fresh) ids.add(doc._id);
    }
  };

  /**
   * The write of a full buffer runs while the next batches are folded (the database works on the
   * other core meanwhile); a second full buffer waits for it. Documents are immutable (views
   * evolve into new objects), so one in flight can be folded further into the next buffer.
   */
  let writing: { buffers: Map<ViewName, Map<string, ViewDocument>>; done: Promise<void> } | undefined;
  /** Waits until no write is in flight (another caller may start one while this one waited). */
  const settleWriting = async (): Promise<void> => {
    while (writing) {
      const current = writing;
      try {
        await current.done;
      } finally {
        if (writing === current) writing = undefined;
      }
    }
  };
  const takeBuffers = (): Map<ViewName, Map<string, ViewDocument>> => {
    const taken = new Map(buffers);
    buffers.clear();
    pendingCount = 0;
    return taken;
  };

  const flush = async (): Promise<void> => {
    await settleWriting();
    await write(takeBuffers());
  };

  const flushBehind = async (): Promise<void> => {
    await settleWriting();
    if (pendingCount < maxDocuments) return; // a concurrent batch took the buffers meanwhile
    const taken = takeBuffers();
    const done = write(taken);
    done.catch(() => {}); // observed by settleWriting; never an unhandled rejection meanwhile
    writing = { buffers: taken, done };
  };

  const project = async (
    view: ViewName,
    events: readonly ProjectionEvent[],
    onEvolveFailure?: EvolveFailure,
  ): Promise<void> => {
    if (events.length === 0) return;
    let buffer = buffers.get(view);
    if (!buffer) buffers.set(view, (buffer = new Map()));
    const ids = writtenOf(view);
    const docs = new Map<string, ViewDocument>();
    const missing = new Set<string>();
    const inFlight = writing?.buffers.get(view);
    for (const { aggregateId } of events) {
      const held = buffer.get(aggregateId) ?? inFlight?.get(aggregateId);
      if (held) docs.set(aggregateId, held);
      else if (ids.has(aggregateId)) missing.add(aggregateId);
    }
    for (const doc of await readBack(view, [...missing])) docs.set(doc._id, doc);
    for (const id of foldEvents(docs, events, onEvolveFailure)) {
      const doc = docs.get(id);
      if (!doc) continue;
      if (!buffer.has(id)) pendingCount++;
      buffer.set(id, doc);
    }
    if (pendingCount >= maxDocuments) await flushBehind();
  };

  return { project, flush, pending: () => pendingCount };
};
