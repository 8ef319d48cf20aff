/**
 * Concrete topic names. A prefix (ORDERSTREAM_TOPIC_PREFIX) namespaces a whole deployment,
 * which is how tests run beside each other on one broker.
 */
export interface TopicNames {
  commands(aggregate: AggregateType): string;
  events(aggregate: AggregateType): string;
  snapshots(aggregate: AggregateType): string;
  replies: string;
  /** The dead-letter topic of one consumer group (its logical name, without the prefix). */
  deadLetter(group: string): string;
  /** Retry level `level` (1-based) of one consumer group. */
  retry(group: string, level: number): string;
  prefix: string;
}

export type AggregateType =
  'orders' | 'inventory' | 'payments' | 'shipments' | 'notifications' | 'preferences';

export const topicNames = (prefix = ''): TopicNames => ({
  prefix,
  commands: (aggregate) => `${prefix}${aggregate}.commands`,
  events: (aggregate) => `${prefix}${aggregate}.events`,
  snapshots: (aggregate) => `${prefix}${aggregate}.snapshots`,
  replies: `${prefix}command-replies`,
  deadLetter: (group) => `${prefix}deadletter.${group}`,
  retry: (group, level) => `${prefix}retry.${group}.${level}`,
});
