import type { PreferencesEvent } from '../../domain/preferences/events';
import { DEFAULT_PREFERENCES } from '../../domain/preferences/preferences';
import { readDeadLetters } from '../../lib/adapters/kafka/dead-letters';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { untilPasses } from '../../test/support/eventually';
import { catalogs } from '../../schemas/catalogs';
import { eventsTopic, type EventsTopic } from '../../test/support/events-topic';
import { followPreferences, SAGA_PREFERENCES_GROUP, type PreferencesFollower } from './preferences-follower';

jest.setTimeout(60_000);

/** The saga's view of every customer's preferences, on real Kafka and the real registry. */
let preferences: EventsTopic<PreferencesEvent>;
let follower: PreferencesFollower | undefined;

beforeAll(async () => {
  preferences = await eventsTopic('prefs', 'preferences', catalogs.preferences);
});
afterAll(() => follower?.stop());

const chose = (customerId: string, channels: ('email' | 'sms' | 'push')[]) =>
  preferences.stored(customerId, {
    type: 'NotificationPreferencesSet',
    data: { channels, locale: 'en', occurredAt: '2025-03-01T10:00:00.000Z' },
  });

it('knows each choice, the latest one winning, and the defaults for anyone else', async () => {
  await preferences.send([chose('c-1', ['sms'])]);
  follower = await followPreferences({
    kafka: preferences.kafka,
    topics: preferences.topics,
    decode: preferences.decode,
  });
  await untilPasses(() => expect(follower?.preferencesOf('c-1').channels).toEqual(['sms']), 20_000);
  await preferences.send([chose('c-1', ['email', 'push'])]);
  await untilPasses(() => expect(follower?.preferencesOf('c-1').channels).toEqual(['email', 'push']), 20_000);
  expect(follower?.preferencesOf('c-nobody')).toEqual(DEFAULT_PREFERENCES);
});

it('dead-letters a record it cannot decode, with the reason, and goes on with the next', async () => {
  await preferences.send([
    preferences.poison('c-poison', 'NotificationPreferencesSet'),
    chose('c-2', ['push']),
  ]);
  await untilPasses(() => expect(follower?.preferencesOf('c-2').channels).toEqual(['push']), 20_000);
  const letters = await readDeadLetters(
    preferences.kafka,
    preferences.topics.deadLetter(SAGA_PREFERENCES_GROUP),
  );
  expect(letters).toHaveLength(1);
  expect(headerString(letters[0]?.message.headers, HEADERS.deadLetterReason)).toMatch(
    /follower of .*preferences\.events/,
  );
  expect(follower?.preferencesOf('c-poison')).toEqual(DEFAULT_PREFERENCES);
});
