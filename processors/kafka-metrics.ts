import type { Admin, Kafka } from '../lib/adapters/kafka/types';
import type { Logger } from 'pino';
import { readGroupLag } from '../lib/adapters/kafka/consumer-lag';
import type { Metrics } from '../lib/observability/metrics';
import type { TopicNames } from '../topics/names';
import definitions from '../topics/topics.json';

/** The logical consumer groups (without the topic prefix) the processors process runs. */
export const PROCESSOR_GROUPS = [
  ...definitions.aggregates.map((aggregate) => `${aggregate}-command-processor`),
  'saga',
];
export const PROJECTION_GROUPS = ['projections'];

export interface KafkaMetricsOptions {
  kafka: Kafka;
  topics: TopicNames;
  metrics: Metrics;
  logger: Logger;
  /** Logical names of the consumer groups whose lag this process reports. */
  groups: readonly string[];
  /** Report the depth of every dead-letter topic (one process per system should). */
  deadLetters?: boolean;
  /** Scrapes closer together than this share one reading, so the broker is asked once. */
  cacheMs?: number;
  /** How long a scrape waits for a fresh reading before it is served the previous one. */
  waitMs?: number;
}

interface Reading {
  lag: { group: string; topic: string; partition: string; value: number }[];
  depth: { topic: string; value: number }[];
}

/**
 * Lag and dead-letter depth read from the broker's offsets on scrape (an admin client, not the
 * consumers' own view, so a group whose consumer is stuck or gone still shows its lag). Labels
 * carry logical names without the deployment's topic prefix, so they stay bounded and dashboards
 * read the same on every deployment; the `system` target label tells deployments apart.
 */
export const registerKafkaMetrics = (options: KafkaMetricsOptions): { stop(): Promise<void> } => {
  const { kafka, topics, metrics, logger } = options;
  const logical = (topic: string): string =>
    topic.startsWith(topics.prefix) ? topic.slice(topics.prefix.length) : topic;
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    if (!admin) {
      const created = kafka.admin();
      admin = created.connect().then(() => created);
      admin.catch(() => (admin = undefined));
    }
    return admin;
  };
  const ends = new Map<string, Promise<Map<number, { high: bigint; low: bigint }>>>();
  const topicEnds = (client: Admin, topic: string) => {
    let found = ends.get(topic);
    if (!found) {
      found = client
        .fetchTopicOffsets(topic)
        .then(
          (rows) => new Map(rows.map((r) => [r.partition, { high: BigInt(r.high), low: BigInt(r.low) }])),
        );
      ends.set(topic, found);
    }
    return found;
  };

  const read = async (): Promise<Reading> => {
    const client = await connected();
    ends.clear();
    const reading: Reading = { lag: [], depth: [] };
    for (const group of options.groups) {
      const groupId = `${topics.prefix}${group}`;
      // Asked without topics the broker names only the partitions with a commit; asked again with
      // those topics it answers for every partition (-1 where nothing is committed yet).
      const known = (await client.fetchOffsets({ groupId })).map((t) => t.topic);
      for (const { topic, partition, lag } of await readGroupLag(client, groupId, known))
        reading.lag.push({ group, topic: logical(topic), partition: String(partition), value: lag });
    }
    if (options.deadLetters) {
      // Only topics that exist: asking for a missing one makes the client retry for many seconds.
      const existing = new Set(await client.listTopics());
      for (const group of definitions.deadLetters.groups) {
        const topic = topics.deadLetter(group);
        if (!existing.has(topic)) continue;
        const end = await topicEnds(client, topic);
        let depth = 0n;
        for (const { high, low } of end.values()) depth += high - low;
        reading.depth.push({ topic: logical(topic), value: Number(depth) });
      }
    }
    return reading;
  };

  let last: { at: number; reading: Promise<Reading> } | undefined;
  let lastGood: Reading | undefined;
  const refresh = (): Promise<Reading> => {
    if (!last || Date.now() - last.at > (options.cacheMs ?? 1_000)) {
      const reading = read();
      last = { at: Date.now(), reading };
      reading.then(
        (r) => (lastGood = r),
        (err: unknown) => {
          // A failed reading is not cached: the next scrape asks again.
          logger.warn({ err }, 'reading consumer lag failed');
          lastGood = undefined;
          last = undefined;
        },
      );
    }
    return last.reading;
  };
  /**
   * A slow broker must not fail the whole scrape (the process would look down): past the wait
   * the previous reading is served while the new one completes in the background.
   */
  const current = async (): Promise<Reading | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>(
      (r) => (timer = setTimeout(() => r(undefined), options.waitMs ?? 1_000)),
    );
    try {
      return (await Promise.race([refresh(), waited])) ?? lastGood;
    } finally {
      clearTimeout(timer);
    }
  };

  metrics.gauge<'group' | 'topic' | 'partition'>({
    name: 'consumer_lag',
    help: 'Records behind the end of each partition, per consumer group (committed offsets)',
    labelNames: ['group', 'topic', 'partition'],
    async collect() {
      const reading = await current().catch(() => undefined);
      // No reading, no series: a stale value would hide that the broker cannot be asked.
      this.reset();
      for (const { value, ...labels } of reading?.lag ?? []) this.set(labels, value);
    },
  });
  if (options.deadLetters) {
    metrics.gauge<'topic'>({
      name: 'dlq_depth',
      help: 'Records held in each dead-letter topic',
      labelNames: ['topic'],
      async collect() {
        const reading = await current().catch(() => undefined);
        this.reset();
        for (const { value, topic } of reading?.depth ?? []) this.set({ topic }, value);
      },
    });
  }
  return {
    stop: async () => {
      const client = await admin?.catch(() => undefined);
      await client?.disconnect().catch(() => {});
    },
  };
};
