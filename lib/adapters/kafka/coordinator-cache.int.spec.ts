import { Kafka, logLevel } from 'kafkajs';
import { eventually } from '../../../test/support/eventually';
import { testEndpoints, uniqueName } from '../../../test/support/env';
import './coordinator-cache';

jest.setTimeout(90_000);

describe('coordinators kept per client', () => {
  it('looks the transaction and group coordinators up once, not four times per transaction', async () => {
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
    let committed = 0;
    const transaction = async (): Promise<void> => {
      const txn = await producer.transaction();
      try {
        await txn.send({ topic, messages: [{ key: 'k', value: String(committed) }] });
        await txn.sendOffsets({
          consumerGroupId: group,
          topics: [{ topic, partitions: [{ partition: 0, offset: String(committed + 1) }] }],
        });
        await txn.commit();
        committed += 1;
      } catch (err) {
        await txn.abort().catch(() => undefined);
        throw err;
      }
    };
    await producer.connect();
    try {
      // On a broker started moments ago a new group's coordinator may still be loading: the first
      // transaction is the one that finds both coordinators, however many tries that takes.
      await eventually('a first transaction committed', async () => (await transaction(), true), 60_000);
      const before = asked.length;

      for (let i = 0; i < 5; i++) await transaction();

      const after = asked.slice(before);
      expect(after.filter((name) => name === 'EndTxn')).toHaveLength(5);
      // kafkajs alone asks four times per transaction: 20 lookups here.
      expect(after.filter((name) => name === 'GroupCoordinator')).toEqual([]);
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
