/**
 * Concrete topic names. A prefix (ORDERSTREAM_TOPIC_PREFIX) namespaces a whole deployment,
 * which is how tests run beside each other on one broker.
 */
export interface TopicNames {
  commands(aggregate: AggregateType): string;
  /**
   * The one place every reader and writer gets an aggregate's events topic from: the default
   * `<prefix><aggregate>.events`, or the topic an upcast migration copied the history into once
   * an operator has switched to it (topics/events-topic-overrides.ts).
   */
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

export const AGGREGATE_TYPES: readonly AggregateType[] = [
  'orders',
  'inventory',
  'payments',
  'shipments',
  'notifications',
  'preferences',
];

export const isAggregateType = (value: unknown): value is AggregateType =>
  (AGGREGATE_TYPES as readonly unknown[]).includes(value);

/** Full topic names (the prefix is not added) that replace an aggregate's default events topic. */
export type EventsTopicOverrides = Readonly<Partial<Record<AggregateType, string>>>;

/** The events topic an aggregate has before any migration: `<prefix><aggregate>.events`. */
export const defaultEventsTopic = (prefix: string, aggregate: AggregateType): string =>
  `${prefix}${aggregate}.events`;

export const topicNames = (prefix = '', eventsTopics: EventsTopicOverrides = {}): TopicNames => ({
  prefix,
  commands: (aggregate) => `${prefix}${aggregate}.commands`,
  events: (aggregate) => eventsTopics[aggregate] ?? defaultEventsTopic(prefix, aggregate),
  snapshots: (aggregate) => `${prefix}${aggregate}.snapshots`,
  replies: `${prefix}command-replies`,
  deadLetter: (group) => `${prefix}deadletter.${group}`,
  retry: (group, level) => `${prefix}retry.${group}.${level}`,
});
