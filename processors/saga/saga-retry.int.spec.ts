import pino from 'pino';
import { createKafka } from '../../lib/adapters/kafka/client';
import { DependencyError } from '../../lib/errors';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { createMetrics } from '../../lib/observability/metrics';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { consumeUntil } from '../../test/support/kafka';
import { startSagaRuntime, type SagaCommand, type SagaEvent } from './saga-runtime';

jest.setTimeout(90_000);

describe('saga retry topics', () => {
  it('parks a record that fails for a while on retry levels, keeps its partition moving, and dead-letters it when the levels run out', async () => {
    const topics = topicNames(`${uniqueName('retry')}.`);
    const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'saga-retry-test' });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicDefinitions(topics.prefix));
    await admin.disconnect();

    const calls = new Map<string, number>();
    const react = (input: SagaEvent): SagaCommand[] => {
      const seen = (calls.get(input.aggregateId) ?? 0) + 1;
      calls.set(input.aggregateId, seen);
      if (input.aggregateId === 'flaky' && seen <= 2) throw new DependencyError('test', `away (try ${seen})`);
      if (input.aggregateId === 'down') throw new DependencyError('test', 'still away');
      const commandId = `reacted-to-${input.aggregateId}`;
      return [
        {
          aggregate: 'orders',
          aggregateId: input.aggregateId,
          command: {
            type: 'Noted',
            meta: { commandId, correlationId: commandId, issuedAt: new Date().toISOString() },
          },
        },
      ];
    };
    const saga = await startSagaRuntime({
      kafka,
      topics,
      groupId: `${topics.prefix}saga`,
      sources: [{ aggregate: 'orders', decode: async (type) => ({ type, data: {} }) }],
      react,
      retryDelaysMs: [300, 300, 300],
      logger: pino({ level: 'silent' }),
      metrics: createMetrics({ service: 'retry-test', defaultMetrics: false }),
    });
    try {
      const producer = kafka.producer();
      await producer.connect();
      // One partition for all three, so "keeps moving" is observable: healthy comes after flaky.
      await producer.send({
        topic: topics.events('orders'),
        messages: ['flaky', 'down', 'healthy'].map((id) => ({
          key: `${id}:1`,
          value: '{}',
          partition: 0,
          headers: {
            [HEADERS.aggregateId]: id,
            [HEADERS.aggregateVersion]: '1',
            [HEADERS.eventType]: 'Something',
          },
        })),
      });
      await producer.disconnect();

      const commands = await consumeUntil(kafka, topics.commands('orders'), (m) => m.length >= 2, {
        timeoutMs: 30_000,
      });
      // healthy went through first; flaky after two retry levels.
      expect(commands.map((m) => m.key?.toString())).toEqual(['healthy', 'flaky']);
      expect(calls.get('flaky')).toBe(3);

      const [dead] = await consumeUntil(kafka, topics.deadLetter('saga'), (m) => m.length >= 1, {
        timeoutMs: 30_000,
      });
      expect(dead?.key?.toString()).toBe('down:1');
      expect(headerString(dead?.headers, HEADERS.deadLetterAttempts)).toBe('4');
      expect(headerString(dead?.headers, HEADERS.deadLetterReason)).toContain('still away');
      expect(headerString(dead?.headers, HEADERS.retrySourceTopic)).toBe(topics.events('orders'));
      expect(calls.get('down')).toBe(4);
    } finally {
      await saga.stop();
    }
  });
});
