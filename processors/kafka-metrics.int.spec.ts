import pino from 'pino';
import { createKafka } from '../lib/adapters/kafka/client';
import { createMetrics } from '../lib/observability/metrics';
import { testEndpoints, uniqueName } from '../test/support/env';
import { topicNames } from '../topics/names';
import { registerKafkaMetrics } from './kafka-metrics';

jest.setTimeout(60_000);

const valuesOf = async (metrics: ReturnType<typeof createMetrics>, name: string) => {
  const metric = metrics.registry.getSingleMetric(`orderstream_${name}`);
  return ((await metric?.get())?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
};

describe('consumer lag and dead-letter depth, read from the broker on scrape', () => {
  it('reports records behind per group and partition, and records held per dead-letter topic', async () => {
    const { kafkaBrokers } = testEndpoints();
    const prefix = `${uniqueName('lag')}.`;
    const topics = topicNames(prefix);
    const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'lag-test' });
    const admin = kafka.admin();
    await admin.connect();
    const events = topics.events('orders');
    const deadLetter = topics.deadLetter('saga');
    await admin.createTopics({
      topics: [
        { topic: events, numPartitions: 2 },
        { topic: deadLetter, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: events,
      messages: [0, 0, 0, 0, 0, 1, 1].map((partition, i) => ({ partition, value: `e${i}` })),
    });
    await producer.send({ topic: deadLetter, messages: [{ value: 'x' }, { value: 'y' }, { value: 'z' }] });
    await producer.disconnect();
    // The group has read 2 of partition 0's five records, and nothing of partition 1.
    await admin.setOffsets({
      groupId: `${prefix}saga`,
      topic: events,
      partitions: [{ partition: 0, offset: '2' }],
    });

    const metrics = createMetrics({ service: 't', defaultMetrics: false });
    const collector = registerKafkaMetrics({
      kafka,
      topics,
      metrics,
      logger: pino({ level: 'silent' }),
      groups: ['saga'],
      deadLetters: true,
      // The first reading connects an admin client; this test waits for it rather than race it.
      waitMs: 30_000,
    });
    try {
      expect(await valuesOf(metrics, 'consumer_lag')).toEqual([
        { labels: { group: 'saga', topic: 'orders.events', partition: '0' }, value: 3 },
        { labels: { group: 'saga', topic: 'orders.events', partition: '1' }, value: 2 },
      ]);
      const depth = await valuesOf(metrics, 'dlq_depth');
      expect(depth).toContainEqual({ labels: { topic: 'deadletter.saga' }, value: 3 });
      // Dead-letter topics this test did not create are simply not there, not reported as 0.
      expect(depth).toHaveLength(1);
    } finally {
      await collector.stop();
      await admin.deleteTopics({ topics: [events, deadLetter] }).catch(() => {});
      await admin.disconnect();
    }
  });
});
