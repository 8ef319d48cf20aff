import { ConfigResourceTypes } from '../lib/adapters/kafka/client';
import { createKafka } from '../lib/adapters/kafka/client';
import { testEndpoints, uniqueName } from '../test/support/env';
import { ensureTopics, topicDefinitions, TopicMismatchError } from './ensure-topics';

jest.setTimeout(60_000);

describe('ensureTopics', () => {
  const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'topics-test' });
  const admin = kafka.admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('creates every defined topic once, then changes nothing, then repairs drifted configs', async () => {
    const prefix = `${uniqueName('t')}.`;
    const wanted = topicDefinitions(prefix);
    expect(wanted.map((t) => t.name)).toContain(`${prefix}orders.events`);

    const first = await ensureTopics(admin, wanted);
    expect(first.created.sort()).toEqual(wanted.map((t) => t.name).sort());

    const second = await ensureTopics(admin, wanted);
    expect(second.created).toEqual([]);
    expect(second.updated).toEqual([]);
    expect(second.unchanged).toHaveLength(wanted.length);

    const events = `${prefix}orders.events`;
    const metadata = await admin.fetchTopicMetadata({ topics: [events] });
    expect(metadata.topics[0]?.partitions).toHaveLength(6);
    const describe = async () =>
      (
        await admin.describeConfigs({
          includeSynonyms: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name: events,
              configNames: ['cleanup.policy', 'retention.ms'],
            },
          ],
        })
      ).resources[0]?.configEntries.map((e) => [e.configName, e.configValue]);
    expect(Object.fromEntries((await describe()) ?? [])).toEqual({
      'cleanup.policy': 'compact',
      'retention.ms': '-1',
    });

    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: events,
          configEntries: [{ name: 'cleanup.policy', value: 'delete' }],
        },
      ],
    });
    // Config changes travel through the metadata log; wait until the broker reports the drift.
    for (
      let i = 0;
      i < 50 && Object.fromEntries((await describe()) ?? [])['cleanup.policy'] !== 'delete';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const third = await ensureTopics(admin, wanted);
    expect(third.updated).toEqual([events]);
    expect(Object.fromEntries((await describe()) ?? [])).toEqual({
      'cleanup.policy': 'compact',
      'retention.ms': '-1',
    });
  });

  it('refuses to run when an existing topic has a different partition count', async () => {
    const name = uniqueName('t-mismatch');
    await ensureTopics(admin, [{ name, partitions: 2, configs: {} }]);
    await expect(ensureTopics(admin, [{ name, partitions: 6, configs: {} }])).rejects.toBeInstanceOf(
      TopicMismatchError,
    );
  });
});
