import type { AggregateType, TopicNames } from '../../../topics/names';

/**
 * The consumer group of an aggregate's command processors. The pipeline joins it; the command
 * API describes it to tell whether anyone will answer its commands.
 */
export const commandProcessorGroupId = (topics: TopicNames, aggregate: AggregateType): string =>
  `${topics.prefix}${aggregate}-command-processor`;

/** The saga's consumer group, over every aggregate's events topic. */
export const sagaGroupId = (topics: TopicNames): string => `${topics.prefix}saga`;
