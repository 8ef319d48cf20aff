import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from '../../adapters/kafka/types';
import { isMongoError, type Db } from '../../adapters/mongo';
import type { Logger } from 'pino';
import type { Redis } from '../../adapters/redis';
import type { SchemaRegistryAdapter } from '../../adapters/schema-registry';
import { ALIAS_COLLECTION, cacheKey, CHANGES_CHANNEL, VIEWS, type ViewName } from '../views';
import type { TopicNames } from '../../../topics/names';
import type { ViewChange } from '../change-publisher';
import { readRange, watermarks, type Offsets } from '../../adapters/kafka/event-range-reader';
import { AGGREGATES, createProjectionDecoders } from '../projections/projection-decoders';
import type { EvolveFailure, ProjectionEvent } from '../projections/projection-views';
import { retryInPlace } from '../../adapters/kafka/retry-in-place';
import { isRetriable } from '../../errors';
import { acquireReplayLease, type ReplayLease } from './replay-lease';
import { progressMeter, type ReplayProgress } from './replay-progress';
import { createReplayWriter } from './replay-writer';
import {
  ensureIndexes,
  projectInto,
  resolveCollections,
  type AliasDocument,
  type PhysicalCollections,
} from '../view-store';

export interface ReplayOptions {
  kafka: Kafka;
  registry: SchemaRegistryAdapter;
  topics: TopicNames;
  db: Db;
  redis: Redis;
  onProgress?: (progress: ReplayProgress) => void;
  jobId?: string;
  /** The live runner's group, whose commits say what the live collections hold at the swap. */
  projectionsGroupId?: string;
  /** How long the live runner's commits must stand still before the swap (default 2 s). */
  quietMs?: number;
  leaseMs?: number;
  /** Folded documents held in memory before they are written (default 20,000; see replay-writer). */
  bufferDocuments?: number;
  /** How long a transient failure (registry, MongoDB) is retried before the replay fails (default 60 s). */
  retryForMs?: number;
  logger?: Logger;
}

export interface ReplayResult {
  jobId: string;
  collections: PhysicalCollections;
  dropped: string[];
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

const MAX_SKIPPED_REPORTED = 20;
type ViewWrite = (view: ViewName, events: ProjectionEvent[], onFailure: EvolveFailure) => Promise<void>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (values: Iterable<bigint>): bigint => [...values].reduce((a, b) => a + b, 0n);

/**
 * G4: rebuilds every view from offset 0 into new collections beside the live ones, then swaps
 * the aliases. The lease is taken before this returns, so a concurrent start fails at once
 * (ReplayInProgressError); `done` settles when the replay has finished.
 */
export const beginReplay = async (
  options: ReplayOptions,
): Promise<{ jobId: string; done: Promise<ReplayResult> }> => {
  const jobId = options.jobId ?? randomUUID();
  const lease = await acquireReplayLease(options.db, jobId, { leaseMs: options.leaseMs });
  const done = runReplay(options, jobId, lease).finally(() => lease.release().catch(() => {}));
  done.catch(() => {}); // the caller observes `done`; an unobserved failure must not crash the process
  return { jobId, done };
};

export const replayProjections = async (options: ReplayOptions): Promise<ReplayResult> =>
  (await beginReplay(options)).done;

const runReplay = async (
  options: ReplayOptions,
  jobId: string,
  lease: ReplayLease,
): Promise<ReplayResult> => {
  const { kafka, topics, db, redis } = options;
  const started = Date.now();
  const eventTopics = AGGREGATES.map((a) => topics.events(a));
  const decoders = await createProjectionDecoders(options.registry, topics);
  const { low, high } = await watermarks(kafka, eventTopics);
  const meter = progressMeter(jobId, sum([...high].map(([k, h]) => h - (low.get(k) ?? 0n))));
  const positions: Offsets = new Map();
  let eventsDone = 0;
  let lastReport = 0;
  const report = (update: Partial<ReplayProgress> = {}, force = false): void => {
    if (!force && Date.now() - lastReport < 250) return;
    lastReport = Date.now();
    const offsetsDone = sum(
      [...high].map(([k, h]) => {
        const at = positions.get(k);
        const reached = at === undefined ? (low.get(k) ?? 0n) : at + 1n;
        return (reached > h ? h : reached) - (low.get(k) ?? 0n);
      }),
    );
    options.onProgress?.(meter.snapshot({ ...update, eventsDone, offsetsDone }));
  };
  report({}, true);
  const fresh = Object.fromEntries(VIEWS.map((v) => [v, `${v}_view_${started}`])) as PhysicalCollections;

  const skipped: string[] = [];
  let undecodable = 0;
  let unprojectable = 0;
  const skip = (where: string, reason: string, kind: 'decode' | 'evolve'): void => {
    if (kind === 'decode') undecodable++;
    else unprojectable++;
    if (skipped.length < MAX_SKIPPED_REPORTED) skipped.push(`${where}: ${reason}`);
    options.logger?.warn(
      { jobId, where, reason },
      `replay left out an event it cannot ${kind === 'decode' ? 'decode' : 'project'}`,
    );
    report({ undecodable, unprojectable, skipped: [...skipped] }, true);
  };
  const writer = createReplayWriter({
    db,
    collections: fresh,
    ...(options.bufferDocuments !== undefined ? { maxDocuments: options.bufferDocuments } : {}),
    retrying: (step) => retrying(step, options.retryForMs),
  });
  /** Phase 1 folds into the writer's buffer; the catch-up after it writes as the live side does. */
  const buffered: ViewWrite = writer.project;
  const direct: ViewWrite = (view, events, onFailure) =>
    retrying(() => projectInto(db, fresh[view], events, onFailure), options.retryForMs).then(() => {});
  /** One batch into the new collections; a transient failure is retried, then fails the replay. */
  const project = async (
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    write: ViewWrite,
  ): Promise<void> => {
    lease.assertHeld();
    const aggregate = decoders.aggregateOfTopic(topic);
    if (!aggregate) return;
    const events: ProjectionEvent[] = [];
    const offsets = new Map<ProjectionEvent, string>();
    for (const message of messages) {
      const where = `${topic}/${partition}/${message.offset}`;
      try {
        const event = await retrying(() => decoders.decode(aggregate, message), options.retryForMs);
        if (event) {
          events.push(event);
          offsets.set(event, where);
        }
      } catch (err) {
        if (isRetriable(err)) throw err;
        skip(where, err instanceof Error ? err.message : String(err), 'decode');
      }
    }
    if (events[0]) {
      const view = events[0].view;
      const failed = new Map<ProjectionEvent, unknown>();
      await write(view, events, (event, err) => failed.set(event, err));
      for (const [event, err] of failed)
        skip(offsets.get(event) ?? topic, err instanceof Error ? err.message : String(err), 'evolve');
    }
    eventsDone += messages.length;
  };
  try {
    // 1. Stream every partition into new physical collections, one batch at a time, through the
    //    replay writer: memory holds one batch and at most its buffer of documents, whatever the
    //    history's size. Secondary indexes come after the data.
    for (const view of VIEWS) await db.createCollection(fresh[view]);
    report({ collections: fresh }, true);
    await readRange(kafka, {
      topics: eventTopics,
      from: low,
      to: high,
      onPosition: (key, offset) => {
        if (offset > (positions.get(key) ?? -1n)) positions.set(key, offset);
        report();
      },
      onBatch: (topic, partition, messages) => project(topic, partition, messages, buffered),
    });
    await writer.flush();

    // 2. Indexes, once the bulk of the data is in.
    await lease.setPhase('writing');
    report({ status: 'writing' }, true);
    for (const view of VIEWS) await ensureIndexes(db, view, fresh[view]);

    // 3. Catch up with what the live side appended meanwhile, with the live write path.
    await lease.setPhase('catching-up');
    report({ status: 'catching-up' }, true);
    const catchUp = async (from: Offsets, to: Offsets): Promise<Offsets> => {
      await readRange(kafka, {
        topics: eventTopics,
        from,
        to,
        onBatch: (topic, partition, messages) => project(topic, partition, messages, direct),
      });
      const merged = new Map(from);
      for (const [k, t] of to) if (t > (merged.get(k) ?? 0n)) merged.set(k, t);
      return merged;
    };
    let reached: Offsets = high;
    for (let round = 0; round < 5; round++) {
      const now = (await watermarks(kafka, eventTopics)).high;
      const behind = sum(
        [...now].map(([k, h]) => (h > (reached.get(k) ?? 0n) ? h - (reached.get(k) ?? 0n) : 0n)),
      );
      if (behind === 0n) break;
      reached = await catchUp(reached, now);
      if (behind < 500n) break;
    }

    // 4. Swap. The live runner holds new batches while we swap; its commits say exactly which
    //    events the live collections hold, so the new ones are brought to the same point first.
    await lease.setPhase('swapping');
    report({ status: 'swapping' }, true);
    const groupId = options.projectionsGroupId ?? `${topics.prefix}projections`;
    const quietMs = options.quietMs ?? 2_000;
    reached = await catchUp(reached, await quietCommits(kafka, groupId, eventTopics, quietMs));
    const live = await resolveCollections(db);
    await lease.confirm(); // a replay that lost its lease must not swap what it built
    const swappedAt = new Date().toISOString();
    for (const view of VIEWS) {
      await db
        .collection<AliasDocument>(ALIAS_COLLECTION)
        .replaceOne({ _id: view }, { collection: fresh[view], swappedAt }, { upsert: true });
    }
    // A batch that was in flight at the swap commits after it; take its events too.
    reached = await catchUp(reached, await quietCommits(kafka, groupId, eventTopics, quietMs));

    // 5. Only now is nothing live reading the old collections.
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    const dropped = VIEWS.map((v) => live[v]).filter(
      (name) => existing.has(name) && !Object.values(fresh).includes(name),
    );
    for (const name of dropped) await db.dropCollection(name);
    await clearCache(redis);
    const replayed: ViewChange = { view: '*', replayed: true };
    await redis.publish(CHANGES_CHANNEL, JSON.stringify({ ...replayed, jobId }));

    const seconds = (Date.now() - started) / 1000;
    report(
      {
        status: 'done',
        undecodable,
        unprojectable,
        skipped: [...skipped],
        finishedAt: new Date().toISOString(),
      },
      true,
    );
    return {
      jobId,
      collections: fresh,
      dropped,
      events: eventsDone,
      seconds,
      eventsPerSecond: Math.round(eventsDone / seconds),
    };
  } catch (err) {
    // What this job built is nobody's: the aliases still name the live collections.
    for (const view of VIEWS) await db.dropCollection(fresh[view]).catch(() => false);
    report({ status: 'failed', error: (err as Error).message, finishedAt: new Date().toISOString() }, true);
    throw err;
  }
};

/**
 * Retries a transient failure (`retriable`, or any MongoDB error) with capped backoff for up to
 * `forMs`, then lets it fail the replay: a replay is a job an operator watches, not a partition
 * that must wait forever. A deterministic failure is thrown at once.
 */
const retrying = async <T>(step: () => Promise<T>, forMs = 60_000): Promise<T> => {
  const deadline = Date.now() + forMs;
  let lastError: unknown;
  const outcome = await retryInPlace(step, {
    stillOwned: () => lastError === undefined || (Date.now() < deadline && isTransient(lastError)),
    heartbeat: async () => {},
    onFailure: (err) => {
      lastError = err;
    },
  });
  if (outcome.done) return outcome.value;
  throw lastError;
};

const isTransient = (err: unknown): boolean => isRetriable(err) || isMongoError(err);

/** The live group's committed offsets once they have not moved for `quietMs`. */
const quietCommits = async (
  kafka: Kafka,
  groupId: string,
  topics: string[],
  quietMs: number,
): Promise<Offsets> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const read = async (): Promise<Offsets> => {
      const offsets: Offsets = new Map();
      for (const t of await admin.fetchOffsets({ groupId, topics })) {
        for (const p of t.partitions)
          if (BigInt(p.offset) >= 0n) offsets.set(`${t.topic}:${p.partition}`, BigInt(p.offset));
      }
      return offsets;
    };
    const same = (a: Offsets, b: Offsets) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
    let previous = await read();
    for (let i = 0; i < 30; i++) {
      await sleep(quietMs);
      const now = await read();
      if (same(previous, now)) return now;
      previous = now;
    }
    return previous;
  } finally {
    await admin.disconnect();
  }
};

/** Every cached view is stale after a swap: SCAN + DEL, never KEYS (it blocks Redis). */
const clearCache = async (redis: Redis): Promise<void> => {
  for (const view of VIEWS) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', cacheKey(view, '*'), 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
};
