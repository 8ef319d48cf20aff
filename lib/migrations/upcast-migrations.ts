import { createHash, randomUUID } from 'node:crypto';
import type { Kafka } from '../adapters/kafka/client';
import type { Redis } from '../adapters/redis';
import type { SchemaRegistryAdapter } from '../adapters/schema-registry';
import { DependencyError, InvalidStateError, OrderstreamError } from '../errors';
import type { Logger } from '../observability/logger';
import { catalogs, type AggregateSchemas } from '../../schemas/catalogs';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import type { AggregateType, TopicNames } from '../../topics/names';
import { codecForTopic } from '../../schemas/event-codec';
import { translateGroupOffsets, type OffsetTranslation } from './translate-offsets';
import { openCopyPass, type CopyPass } from './upcast-copy';

export type MigrationState = 'running' | 'finished' | 'failed' | 'interrupted';

/** What `GET /api/admin/migrations/{id}` shows; kept in Redis so every command-API instance answers. */
export interface MigrationJob {
  jobId: string;
  aggregateType: AggregateType;
  sourceTopic: string;
  targetTopic: string;
  state: MigrationState;
  /** 1 for the first copy; each later POST of the same migration is a catch-up pass. */
  pass: number;
  /** Of the pass in hand. */
  copied: number;
  total: number;
  undecodable: number;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  error?: string;
  /** After a finished pass: the consumer groups carried over to the target, and those still reading the source. */
  groups?: OffsetTranslation;
}

export interface UpcastRequest {
  aggregateType: AggregateType;
  targetTopic?: string;
}

export interface UpcastMigrations {
  /** Starts a pass of the migration, or returns the one under way: the same request, the same job. */
  start(request: UpcastRequest): Promise<MigrationJob>;
  job(jobId: string): Promise<MigrationJob | undefined>;
  /** Waits for the passes this instance runs to end. */
  stop(): Promise<void>;
}

export interface UpcastMigrationsDeps {
  kafka: Kafka;
  registry: SchemaRegistryAdapter;
  topics: TopicNames;
  redis: Redis;
  logger: Logger;
  now?: () => Date;
  /** How long a pass's claim outlives its last progress: a dead instance's pass is resumable after it. */
  leaseMs?: number;
}

/**
 * The default target: named after the latest schema versions, so the same schemas give the same
 * topic (and job), and a later schema change a new one. It ends in `.events`, which the aggregate
 * partitioner keys on.
 */
export const defaultTargetTopic = (prefix: string, aggregate: AggregateType): string => {
  const { catalog } = catalogs[aggregate];
  const latest = [...new Set(catalog.entries.map((e) => e.eventType))]
    .sort()
    .map((type) => `${type}@v${catalog.latest(type).version}`);
  const fingerprint = createHash('sha256').update(latest.join(',')).digest('hex').slice(0, 8);
  return `${prefix}${aggregate}.upcast-${fingerprint}.events`;
};

export const migrationJobId = (source: string, target: string): string =>
  `upcast-${createHash('sha256').update(`${source}\u0000${target}`).digest('hex').slice(0, 16)}`;

const JOB_TTL_SECONDS = 30 * 86_400;

/**
 * Copy-and-replace migrations of one aggregate type's events topic (README, "Upcast migration").
 * Passes run in the command API that took the request; a Redis lease keeps a second instance from
 * running the same migration, and the transactional id `upcast.<jobId>` fences a pass whose lease
 * lapsed, so two copies can never interleave.
 */
export const createUpcastMigrations = (deps: UpcastMigrationsDeps): UpcastMigrations => {
  const { kafka, registry, topics, redis, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const leaseMs = deps.leaseMs ?? 30_000;
  const instance = randomUUID();
  const running = new Map<string, Promise<void>>();
  const jobKey = (jobId: string) => `orderstream:${topics.prefix}migrations:${jobId}`;
  const leaseKey = (jobId: string) => `${jobKey(jobId)}:lease`;
  /** Which events topic a target receives copies of: one source per target, for good. */
  const targetKey = (target: string) => `orderstream:${topics.prefix}migrations:target:${target}`;

  /**
   * A target copies one source. Another aggregate's copies, even none yet (an empty source), would
   * meet its schemas under the target's subject and its records on the partitions: refused here,
   * before the registry or the partitions are touched.
   */
  const claimTarget = async (source: string, target: string): Promise<boolean> => {
    const claimed = (await redis.set(targetKey(target), source, 'NX')) !== null;
    const owner = await redis.get(targetKey(target));
    if (owner !== source) {
      throw new InvalidStateError(
        `${target} receives copies of ${owner ?? 'another topic'}, not of ${source}`,
      );
    }
    return claimed;
  };

  const read = async (jobId: string): Promise<MigrationJob | undefined> => {
    const raw = await redis.get(jobKey(jobId));
    return raw === null ? undefined : (JSON.parse(raw) as MigrationJob);
  };
  const save = async (job: MigrationJob): Promise<void> => {
    await redis.set(jobKey(job.jobId), JSON.stringify(job), 'EX', JOB_TTL_SECONDS);
  };

  /**
   * Kafka refusing or timing out (a broker busy electing the new topic's leaders, say) is the
   * dependency's failure, answered 503 with Retry-After, not a defect of ours (500).
   */
  const onKafka = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof OrderstreamError) throw err;
      throw new DependencyError('kafka', `${doing}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  };

  /** Creates the target like the events topics (compacted, kept forever) with the source's partition count. */
  const prepareTarget = async (source: string, target: string): Promise<void> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      if (!existing.has(source)) throw new InvalidStateError(`the events topic ${source} does not exist`);
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [source] });
      const partitions = meta[0]?.partitions.length ?? 0;
      const configs = topicDefinitions(topics.prefix).find((t) => t.name.endsWith('.events'))?.configs ?? {};
      if (existing.has(target)) {
        const { topics: targetMeta } = await admin.fetchTopicMetadata({ topics: [target] });
        const targetPartitions = targetMeta[0]?.partitions.length ?? 0;
        if (targetPartitions !== partitions) {
          throw new InvalidStateError(
            `${target} has ${targetPartitions} partitions and ${source} ${partitions}: ` +
              'a copy must keep every aggregate on its partition',
          );
        }
        return;
      }
      await ensureTopics(admin, [{ name: target, partitions, configs }]);
    } finally {
      await admin.disconnect();
    }
  };

  const runPass = async (job: MigrationJob, pass: CopyPass): Promise<void> => {
    let current = job;
    const update = async (changes: Partial<MigrationJob>) => {
      current = { ...current, ...changes, updatedAt: now().toISOString() };
      await save(current);
      await redis.pexpire(leaseKey(job.jobId), leaseMs);
    };
    try {
      const { counts, copiedBefore } = await pass.run();
      await update(counts);
      const groups = await translateGroupOffsets(kafka, {
        source: job.sourceTopic,
        target: job.targetTopic,
        copiedBefore,
      });
      await update({ groups, state: 'finished', finishedAt: now().toISOString() });
      logger.info({ job: current }, 'upcast migration pass finished');
    } catch (err) {
      logger.error({ err, jobId: job.jobId }, 'upcast migration pass failed');
      await update({ state: 'failed', error: err instanceof Error ? err.message : String(err) }).catch(
        () => undefined,
      );
    } finally {
      await redis.del(leaseKey(job.jobId)).catch(() => undefined);
    }
  };

  return {
    async start({ aggregateType, targetTopic }) {
      const sourceTopic = topics.events(aggregateType);
      const target = targetTopic ?? defaultTargetTopic(topics.prefix, aggregateType);
      if (target === sourceTopic) {
        throw new InvalidStateError(
          `${aggregateType} events are already read from ${target}; nothing to copy into it`,
        );
      }
      const jobId = migrationJobId(sourceTopic, target);
      const claimed = await redis.set(leaseKey(jobId), instance, 'PX', leaseMs, 'NX');
      if (claimed === null) {
        // Another request (here or on another instance) runs this migration now: the same job.
        const job = await read(jobId);
        if (job !== undefined) return job;
        throw new InvalidStateError(`migration ${jobId} is being started; ask again`);
      }
      let claimedNow = false;
      try {
        claimedNow = await claimTarget(sourceTopic, target);
        await onKafka(`preparing ${target}`, () => prepareTarget(sourceTopic, target));
        const previous = await read(jobId);
        const started = now().toISOString();
        let job: MigrationJob = {
          jobId,
          aggregateType,
          sourceTopic,
          targetTopic: target,
          state: 'running',
          pass: (previous?.pass ?? 0) + 1,
          copied: 0,
          total: 0,
          undecodable: 0,
          startedAt: started,
          updatedAt: started,
        };
        // The copy only moves events between encodings; their domain type does not matter here.
        const schemas: AggregateSchemas<{ type: string }> = catalogs[aggregateType];
        const [source, targetCodec] = await Promise.all([
          codecForTopic(registry, sourceTopic, schemas),
          codecForTopic(registry, target, schemas),
        ]);
        const pass = await onKafka(`opening a copy into ${target}`, () =>
          openCopyPass({
            kafka,
            sourceTopic,
            targetTopic: target,
            source,
            target: targetCodec,
            transactionalId: `${topics.prefix}upcast.${jobId}`,
            onProgress: async (counts) => {
              job = { ...job, ...counts, updatedAt: now().toISOString() };
              await save(job);
              await redis.pexpire(leaseKey(jobId), leaseMs);
            },
          }),
        );
        await save(job);
        const done = runPass(job, pass).finally(() => running.delete(jobId));
        running.set(jobId, done);
        return job;
      } catch (err) {
        // A first request refused (a target of another shape, say) leaves the name free again.
        if (claimedNow) await redis.del(targetKey(target));
        await redis.del(leaseKey(jobId));
        throw err;
      }
    },

    async job(jobId) {
      const job = await read(jobId);
      if (job?.state !== 'running' || running.has(jobId)) return job;
      // A pass whose instance died: its lease lapsed and nobody copies; a POST resumes it.
      return (await redis.exists(leaseKey(jobId))) === 1 ? job : { ...job, state: 'interrupted' };
    },

    async stop() {
      await Promise.allSettled([...running.values()]);
    },
  };
};
