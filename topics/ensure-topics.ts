import { ConfigResourceTypes, type Admin } from '../lib/adapters/kafka/client';
import { OrderstreamError } from '../lib/errors';
import definitions from './topics.json';

export interface TopicDefinition {
  name: string;
  partitions: number;
  configs: Record<string, string>;
}

/** An existing topic whose partition count differs from its definition: moving keys is unsafe. */
export class TopicMismatchError extends OrderstreamError {
  readonly code = 'TOPIC_MISMATCH';
}

type Definitions = typeof definitions;

/**
 * Expands topics.json into concrete topics. `prefix` namespaces every name so tests can
 * run beside each other (and beside a running system) on one broker.
 */
export const topicDefinitions = (prefix = '', source: Definitions = definitions): TopicDefinition[] => {
  const perAggregate = source.aggregates.flatMap((aggregate) =>
    Object.entries(source.kinds).map(([kind, def]) => ({
      name: `${prefix}${aggregate}.${kind}`,
      partitions: source.partitions,
      configs: stripComments(def.configs),
    })),
  );
  const shared = source.shared.map((t) => ({
    name: `${prefix}${t.name}`,
    partitions: t.partitions,
    configs: stripComments(t.configs),
  }));
  const deadLetters = source.deadLetters.groups.map((group) => ({
    name: `${prefix}deadletter.${group}`,
    partitions: source.deadLetters.partitions,
    configs: stripComments(source.deadLetters.configs),
  }));
  const retries = source.retries.groups.flatMap((group) =>
    source.retries.delaysMs.map((_, i) => ({
      name: `${prefix}retry.${group}.${i + 1}`,
      partitions: source.retries.partitions,
      configs: stripComments(source.retries.configs),
    })),
  );
  return [...perAggregate, ...shared, ...deadLetters, ...retries];
};

const stripComments = (configs: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(configs).filter(([k]) => !k.startsWith('$')));

/**
 * A topic created a moment ago may not be in every broker's metadata cache yet; metadata
 * reads retry briefly instead of failing the start-up.
 */
const settle = async <T>(read: () => Promise<T>, attempts = 20): Promise<T> => {
  for (let i = 1; ; i++) {
    try {
      return await read();
    } catch (err) {
      if (i >= attempts || (err as { retriable?: boolean }).retriable === false) throw err;
      await new Promise((r) => setTimeout(r, Math.min(100 * i, 500)));
    }
  }
};

/**
 * A busy controller may answer "timed out" for a creation it completes a moment later, and a
 * concurrent creator makes a topic "already exist": the wait for leaders below settles both (or
 * fails there). Any other refusal (an invalid name, a colliding one) is final.
 */
const creationMaySettle = (err: unknown): boolean => {
  const errors = (err as { errors?: unknown }).errors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) =>
      ['REQUEST_TIMED_OUT', 'TOPIC_ALREADY_EXISTS'].includes((e as { type?: string }).type ?? ''),
    )
  );
};

export interface EnsureReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Creates missing topics and brings configs of existing ones back to their definition.
 * Running it twice changes nothing the second time.
 */
/** What ensureTopics asks of the admin client. */
export type TopicAdmin = Pick<
  Admin,
  'listTopics' | 'createTopics' | 'fetchTopicMetadata' | 'describeConfigs' | 'alterConfigs'
>;

export const ensureTopics = async (admin: TopicAdmin, wanted: TopicDefinition[]): Promise<EnsureReport> => {
  const report: EnsureReport = { created: [], updated: [], unchanged: [] };
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    // kafkajs's own wait for leaders gives up when a young broker answers "unknown topic"
    // for a topic it has just created; we wait ourselves, tolerating that answer.
    await admin
      .createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: -1,
          configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        })),
      })
      .catch((err: unknown) => {
        if (!creationMaySettle(err)) throw err;
      });
    report.created.push(...missing.map((t) => t.name));
    await settle(async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: missing.map((t) => t.name) });
      const leaderless = topics.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (leaderless.length > 0)
        throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
    }, 50);
  }
  const present = wanted.filter((t) => existing.has(t.name));
  if (present.length === 0) return report;

  const metadata = await settle(() => admin.fetchTopicMetadata({ topics: present.map((t) => t.name) }));
  for (const topic of metadata.topics) {
    const def = present.find((t) => t.name === topic.name) as TopicDefinition;
    if (topic.partitions.length !== def.partitions) {
      throw new TopicMismatchError(
        `topic ${topic.name} has ${topic.partitions.length} partitions but topics/topics.json says ${def.partitions}; ` +
          'changing it would move aggregates between partitions: migrate to a new topic instead',
      );
    }
  }
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((t) => ({
      type: ConfigResourceTypes.TOPIC,
      name: t.name,
      configNames: Object.keys(t.configs),
    })),
  });
  const drifted = present.filter((def) => {
    const resource = described.resources.find((r) => r.resourceName === def.name);
    return Object.entries(def.configs).some(
      ([name, value]) => resource?.configEntries.find((e) => e.configName === name)?.configValue !== value,
    );
  });
  if (drifted.length > 0) {
    // alterConfigs replaces a topic's dynamic configs as a whole, so send the full definition.
    await admin.alterConfigs({
      validateOnly: false,
      resources: drifted.map((t) => ({
        type: ConfigResourceTypes.TOPIC,
        name: t.name,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  report.updated.push(...drifted.map((t) => t.name));
  report.unchanged.push(...present.filter((t) => !drifted.includes(t)).map((t) => t.name));
  return report;
};
