import definitions from '../../topics/topics.json';
import { topicNames, type AggregateType } from '../../topics/names';

/**
 * Every role the image runs, as the manifests see it. The consumer groups and topics are the
 * ones the processors join (processors/pipeline.ts, processors/projections/projection-runner.ts);
 * KEDA measures the lag of that group on those topics and never scales past their partitions.
 */
export type RoleKind = 'http' | 'worker' | 'singleton' | 'simulator';

export interface Role {
  name: string;
  kind: RoleKind;
  /** The port of /health/*, /metrics and, for HTTP roles, the API. */
  port: number;
  /** Kafka roles with a consumer group: what KEDA's lag trigger watches. */
  consumerGroup?: string;
  topics?: string[];
  /** Why a Kafka role runs exactly one replica and has no ScaledObject. */
  singletonReason?: string;
}

export const HEALTH_PORT = 9100;

const aggregates = definitions.aggregates;
// From the one place events topic names come from. After an upcast migration switches an aggregate
// (README, "Upcast migration"), its lag triggers must name the new topic too.
const eventTopics = aggregates.map((a) => topicNames().events(a as AggregateType));

const commandProcessor = (aggregate: string): Role => ({
  name: `${aggregate}-processor`,
  kind: 'worker',
  port: HEALTH_PORT,
  consumerGroup: `${aggregate}-command-processor`,
  topics: [`${aggregate}.commands`],
});

const follower = (name: string, reason: string): Role => ({
  name,
  kind: 'singleton',
  port: HEALTH_PORT,
  singletonReason: reason,
});

const FOLLOWER_REASON =
  'reads its topic with a group of its own (event-follower.ts) and keeps pending work in memory: a second replica would act twice and has no shared lag to scale on';

export const ROLES: Role[] = [
  { name: 'command-api', kind: 'http', port: 8081 },
  { name: 'query-api', kind: 'http', port: 8080 },
  ...aggregates.map(commandProcessor),
  { name: 'saga', kind: 'worker', port: HEALTH_PORT, consumerGroup: 'saga', topics: eventTopics },
  {
    name: 'projections',
    kind: 'worker',
    port: HEALTH_PORT,
    consumerGroup: 'projections',
    topics: eventTopics,
  },
  follower('deadline-watcher', FOLLOWER_REASON),
  follower('tracking-poller', FOLLOWER_REASON),
  follower('compensation-retrier', FOLLOWER_REASON),
];

/** External parties' stand-ins: only the local overlay runs them. */
export const SIMULATORS: Role[] = [
  { name: 'payment-gateway', kind: 'simulator', port: 8091 },
  { name: 'carrier', kind: 'simulator', port: 8092 },
  { name: 'notification-provider', kind: 'simulator', port: 8093 },
];

/** Partition count of every topic topics.json defines, by name (no prefix). */
export const partitionCounts = (source = definitions): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const a of source.aggregates) {
    for (const kind of Object.keys(source.kinds)) counts.set(`${a}.${kind}`, source.partitions);
  }
  for (const t of source.shared) counts.set(t.name, t.partitions);
  for (const g of source.deadLetters.groups) counts.set(`deadletter.${g}`, source.deadLetters.partitions);
  for (const g of source.retries.groups) {
    source.retries.delaysMs.forEach((_, i) => counts.set(`retry.${g}.${i + 1}`, source.retries.partitions));
  }
  return counts;
};

/** A worker never scales past the smallest partition count among the topics it is measured on. */
export const replicaCap = (role: Role, counts = partitionCounts()): number => {
  if (!role.topics?.length) throw new Error(`${role.name} has no topics to cap its replicas`);
  return Math.min(
    ...role.topics.map((t) => {
      const n = counts.get(t);
      if (n === undefined) throw new Error(`${role.name} consumes ${t}, which topics.json does not define`);
      return n;
    }),
  );
};
