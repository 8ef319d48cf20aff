import type { Kafka, Message } from 'kafkajs';
import type { PreferencesEvent } from '../../domain/preferences/events';
import { DEFAULT_PREFERENCES } from '../../domain/preferences/preferences';
import { createKafka } from '../../lib/adapters/kafka';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { readDeadLetters } from '../../lib/kafka/dead-letters';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import { catalogs } from '../../schemas/catalogs';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { codecFor } from '../command-side/aggregate-modules';
import type { EventCodec } from '../command-side/event-codec';
import { eventRecord } from '../command-side/event-record';
import { followPreferences, SAGA_PREFERENCES_GROUP, type PreferencesFollower } from './preferences-follower';

jest.setTimeout(60_000);

/** The saga's view of every customer's preferences, on real Kafka and the real registry. */
const topics = topicNames(`${uniqueName('prefs')}.`);
const at = '2025-03-01T10:00:00.000Z';
let kafka: Kafka;
let codec: EventCodec<PreferencesEvent>;
let follower: PreferencesFollower | undefined;

beforeAll(async () => {
  const endpoints = testEndpoints();
  kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'preferences-follower-test' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  codec = await codecFor(
    createSchemaRegistry(endpoints.schemaRegistryUrl),
    topics,
    'preferences',
    catalogs.preferences,
  );
});
afterAll(() => follower?.stop());

const send = async (messages: Message[]) => {
  const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  await producer.send({ topic: topics.events('preferences'), messages });
  await producer.disconnect();
};

const chose = (customerId: string, version: number, channels: ('email' | 'sms' | 'push')[]): Message =>
  eventRecord({
    aggregateId: customerId,
    version,
    partition: 0,
    type: 'NotificationPreferencesSet',
    encoded: codec.encode({
      type: 'NotificationPreferencesSet',
      data: { channels, locale: 'en', occurredAt: at },
    }),
    correlationId: `corr-${customerId}`,
    occurredAt: at,
  });

async function eventually(check: () => void, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

it('knows each choice, the latest one winning, and the defaults for anyone else', async () => {
  await send([chose('c-1', 1, ['sms'])]);
  follower = await followPreferences({
    kafka,
    topics,
    decode: async (type, value) => (await codec.decode(type, value)).event,
  });
  await eventually(() => expect(follower?.preferencesOf('c-1').channels).toEqual(['sms']));
  await send([chose('c-1', 2, ['email', 'push'])]);
  await eventually(() => expect(follower?.preferencesOf('c-1').channels).toEqual(['email', 'push']));
  expect(follower?.preferencesOf('c-nobody')).toEqual(DEFAULT_PREFERENCES);
});

it('dead-letters a record it cannot decode, with the reason, and goes on with the next', async () => {
  await send([
    {
      key: 'c-poison:1',
      value: Buffer.from('not avro at all'),
      partition: 0,
      headers: {
        [HEADERS.eventType]: 'NotificationPreferencesSet',
        [HEADERS.aggregateId]: 'c-poison',
        [HEADERS.aggregateVersion]: '1',
      },
    },
    chose('c-2', 1, ['push']),
  ]);
  await eventually(() => expect(follower?.preferencesOf('c-2').channels).toEqual(['push']));
  const letters = await readDeadLetters(kafka, topics.deadLetter(SAGA_PREFERENCES_GROUP));
  expect(letters).toHaveLength(1);
  expect(headerString(letters[0]?.message.headers, HEADERS.deadLetterReason)).toMatch(
    /follower of .*preferences\.events/,
  );
  expect(follower?.preferencesOf('c-poison')).toEqual(DEFAULT_PREFERENCES);
});
