import { Kafka, logLevel } from 'kafkajs';
import { testEndpoints, uniqueName } from '../../../test/support/env';
import './coordinator-cache';

jest.setTimeout(60_000);

describe('coordinators kept per client', () => {
  it('finds the transaction and group coordinators once for many transactions, not four times per transaction', async () => {
    const kafka = new Kafka({
      brokers: [testEndpoints().kafkaBrokers],
      clientId: 'coordinators',
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('coordinators');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({
      transactionalId: uniqueName('txn'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const group = uniqueName('group');
    const asked: string[] = [];
    producer.on(producer.events.REQUEST, ({ payload }) => asked.push(payload.apiName));
    await producer.connect();
    try {
      for (let i = 0; i < 5; i++) {
        const txn = await producer.transaction();
        await txn.send({ topic, messages: [{ key: 'k', value: String(i) }] });
        await txn.sendOffsets({
          consumerGroupId: group,
          topics: [{ topic, partitions: [{ partition: 0, offset: String(i + 1) }] }],
        });
        await txn.commit();
      }
      const committed = await admin.fetchTopicOffsets(topic);
      expect(committed[0]?.high).toBe('10'); // five records and five commit markers

      expect(asked.filter((name) => name === 'EndTxn')).toHaveLength(5);
      // One lookup for the transactional id and one for the consumer group; kafkajs alone asks 21 times.
      expect(asked.filter((name) => name === 'GroupCoordinator')).toHaveLength(2);
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
