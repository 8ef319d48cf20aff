import { ensureTopics, type TopicAdmin, type TopicDefinition } from './ensure-topics';

const wanted: TopicDefinition[] = [{ name: 'x.orders.events', partitions: 2, configs: {} }];

/** An admin whose createTopics refuses with the given per-topic error types; metadata shows what it holds. */
const adminRefusing = (types: string[], created: boolean): TopicAdmin => ({
  listTopics: async () => [],
  createTopics: async () => {
    throw Object.assign(new Error('Topic creation errors'), {
      errors: types.map((type) => Object.assign(new Error(type), { type })),
    });
  },
  fetchTopicMetadata: async () => {
    if (!created)
      throw Object.assign(new Error('This server does not host this topic-partition'), { retriable: false });
    return {
      topics: [
        {
          name: 'x.orders.events',
          partitions: [0, 1].map((partitionId) => ({
            partitionId,
            leader: 1,
            replicas: [1],
            isr: [1],
            offlineReplicas: [],
            partitionErrorCode: 0,
          })),
        },
      ],
    };
  },
  describeConfigs: async () => ({ resources: [], throttleTime: 0 }),
  alterConfigs: async () => ({ resources: [], throttleTime: 0 }),
});

describe('ensureTopics when the controller refuses', () => {
  it('takes a timed-out creation the broker completed anyway', async () => {
    const report = await ensureTopics(adminRefusing(['REQUEST_TIMED_OUT'], true), wanted);
    expect(report.created).toEqual(['x.orders.events']);
  });

  it('takes topics a concurrent creator made first', async () => {
    const report = await ensureTopics(
      adminRefusing(['TOPIC_ALREADY_EXISTS', 'REQUEST_TIMED_OUT'], true),
      wanted,
    );
    expect(report.created).toEqual(['x.orders.events']);
  });

  it('fails when a timed-out creation never shows up', async () => {
    await expect(ensureTopics(adminRefusing(['REQUEST_TIMED_OUT'], false), wanted)).rejects.toThrow(
      'does not host this topic-partition',
    );
  });

  it('passes any other refusal on', async () => {
    await expect(ensureTopics(adminRefusing(['INVALID_TOPIC_EXCEPTION'], true), wanted)).rejects.toThrow(
      'Topic creation errors',
    );
  });
});
