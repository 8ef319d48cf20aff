import type { Kafka } from '../../lib/adapters/kafka/types';
import type { Logger } from 'pino';
import { preferencesDecider, preferencesOf } from '../../domain/preferences/decider';
import type { PreferencesEvent } from '../../domain/preferences/events';
import type { NotificationPreferences } from '../../domain/preferences/preferences';
import type { PreferencesState } from '../../domain/preferences/state';
import type { TopicNames } from '../../topics/names';
import { followEvents } from '../../lib/adapters/kafka/event-follower';

/** The dead-letter group of the saga's preferences follower (topics.json). */
export const SAGA_PREFERENCES_GROUP = 'saga-preferences';

export interface PreferencesFollower {
  /** What a customer chose so far as this instance has read it; the defaults before any choice. */
  preferencesOf(customerId: string): NotificationPreferences;
  stop(): Promise<void>;
}

/**
 * Every customer's notification preferences, folded in memory from `preferences.events` by the
 * aggregate's own evolve, re-read from the beginning on every start (event-follower.ts). The
 * saga asks it which channels to notify on; a choice made a moment before an order event may
 * reach it after that event, and then applies from the order's next notification.
 */
export async function followPreferences({
  kafka,
  topics,
  decode,
  logger,
  onFatal,
}: {
  kafka: Kafka;
  topics: TopicNames;
  decode: (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>;
  logger?: Logger;
  onFatal?: (error: Error) => void;
}): Promise<PreferencesFollower> {
  const states = new Map<string, PreferencesState>();
  const follower = await followEvents({
    kafka,
    topic: topics.events('preferences'),
    decode,
    deadLetterTopic: topics.deadLetter(SAGA_PREFERENCES_GROUP),
    ...(logger ? { logger } : {}),
    ...(onFatal ? { onFatal } : {}),
    onEvent: ({ aggregateId, type, data }) => {
      const state = states.get(aggregateId) ?? preferencesDecider.initialState();
      states.set(aggregateId, preferencesDecider.evolve(state, { type, data } as PreferencesEvent));
    },
  });
  return {
    preferencesOf: (customerId) => preferencesOf(states.get(customerId) ?? preferencesDecider.initialState()),
    stop: () => follower.stop(),
  };
}
