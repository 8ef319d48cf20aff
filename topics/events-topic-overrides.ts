import { envVar, type ConfigOf } from '../lib/config/env';
import {
  AGGREGATE_TYPES,
  topicNames,
  type AggregateType,
  type EventsTopicOverrides,
  type TopicNames,
} from './names';

/**
 * A topic an aggregate's events may be switched to. It must end in `.events`: the aggregate
 * partitioner (lib/adapters/kafka/aggregate-partitioner.ts) hashes only the aggregate id of keys on such
 * topics, so a writer after the switch puts each aggregate on the partition its history is on.
 */
export const EVENTS_TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,242}\.events$/;

export const eventsTopicVariable = (aggregate: AggregateType): string =>
  `ORDERSTREAM_EVENTS_TOPIC_${aggregate.toUpperCase()}`;

const overrideVar = envVar.string({ required: false, pattern: EVENTS_TOPIC_PATTERN });

/**
 * `ORDERSTREAM_EVENTS_TOPIC_<AGGREGATE>`: the full name (no prefix is added) of the topic that
 * replaces an aggregate's events topic, set once an upcast migration has copied its history
 * there. Every process reads it at start-up, so switching is: set it, restart (README, "Upcast
 * migration").
 */
export const eventsTopicConfigSpec = Object.fromEntries(
  AGGREGATE_TYPES.map((aggregate) => [eventsTopicVariable(aggregate), overrideVar]),
) as Record<`ORDERSTREAM_EVENTS_TOPIC_${Uppercase<AggregateType>}`, typeof overrideVar>;

export type EventsTopicConfig = ConfigOf<typeof eventsTopicConfigSpec>;

export const eventsTopicOverrides = (config: EventsTopicConfig): EventsTopicOverrides =>
  Object.fromEntries(
    AGGREGATE_TYPES.flatMap((aggregate) => {
      const topic = (config as Readonly<Record<string, string | undefined>>)[eventsTopicVariable(aggregate)];
      return topic === undefined ? [] : [[aggregate, topic]];
    }),
  );

/** The topic names of a process, from its validated configuration. */
export const topicNamesFromConfig = (
  config: EventsTopicConfig & { readonly ORDERSTREAM_TOPIC_PREFIX: string },
): TopicNames => topicNames(config.ORDERSTREAM_TOPIC_PREFIX, eventsTopicOverrides(config));
