import type { Kafka } from '../../lib/adapters/kafka/types';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createLogger } from '../../lib/observability/logger';
import { eventually } from '../../test/support/eventually';
import { fetchAsAdmin, testAuth } from '../../test/support/auth';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { createCommandApi, type CommandApi } from './command-api';
import { startScriptedProcessor, type ScriptedProcessor } from './testing/scripted-processor';

jest.setTimeout(60_000);

/*
 * Graceful overload: while the write side is further behind than the deployment allows, new work
 * is refused with 429 and a Retry-After, cancellations still pass, and once the backlog drains
 * the API takes work again by itself. The backlog is real: commands on a topic whose group has
 * not read them.
 */
describe.each([
  { bound: 'a record bound', admission: { maxLag: 3, maxWaitMs: 0 }, backlog: 8 },
  // Nothing is handled, so the backlog would never clear: past the wait bound from its floor on.
  { bound: 'a wait bound', admission: { maxLag: 10_000, maxWaitMs: 1_000 }, backlog: 120 },
])('admission control on the command processors’ backlog, with $bound', ({ admission, backlog }) => {
  const topics = topicNames(`${uniqueName('admission')}.`);
  const laggingGroup = `${topics.prefix}payments-command-processor`;
  let kafka: Kafka;
  let redis: Redis;
  let processor: ScriptedProcessor;
  let api: CommandApi;
  let server: HttpServerHandle;

  beforeAll(async () => {
    const endpoints = testEndpoints();
    kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'admission-int' });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicDefinitions(topics.prefix));
    await admin.disconnect();
    redis = createRedis(endpoints.redisUrl, 'admission-int');
    processor = await startScriptedProcessor(kafka, topics);
    processor.script = ({ key, command }) => ({
      commandId: command.meta.commandId,
      aggregateId: key,
      ok: true,
      version: 1,
      eventTypes: ['OrderCreated'],
      duplicate: false,
    });
    api = await createCommandApi({
      verifier: (await testAuth()).verifier,
      kafka,
      redis,
      topics,
      processorGroups: (['orders', 'inventory'] as const).map((aggregate) => ({
        groupId: processor.groupId,
        topic: topics.commands(aggregate),
      })),
      admission: {
        ...admission,
        checkEveryMs: 100,
        owned: [{ groupId: laggingGroup, topic: topics.commands('payments') }],
      },
      logger: createLogger({
        service: 'admission-int',
        level: 'warn',
        destination: { write: () => undefined },
      }),
    });
    server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
    api.health.markStarted();
  });

  afterAll(async () => {
    await server?.close();
    await api?.stop();
    await processor?.stop();
    await redis?.quit();
  });

  const post = (path: string, body: unknown) =>
    fetchAsAdmin(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const create = () => post('/api/commands/orders/create', { customerId: 'c-admission', items: [] });

  it('admits new work while the backlog is within bounds', async () => {
    expect((await create()).status).toBe(201);
  });

  it('refuses new work with 429, Retry-After and a problem while the backlog is past the bound, and passes cancellations', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.commands('payments'),
      messages: Array.from({ length: backlog }, (_, i) => ({ key: `p-${i}`, value: '{}' })),
    });
    await producer.disconnect();

    const refused = await eventually(
      'a create refused for the backlog',
      async () => {
        const res = await create();
        return res.status === 429 ? res : undefined;
      },
      20_000,
    );
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ status: 429, title: 'Write side saturated', lag: backlog });
    // Shed before the token is read: under overload a refusal costs no signature verification.
    const anonymous = await fetch(`${server.url}/api/commands/orders/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c-admission', items: [] }),
    });
    expect(anonymous.status).toBe(429);
    // A cancellation takes work away: it reaches the command side (here: no such order).
    expect(
      (await post('/api/commands/orders/00000000-0000-4000-8000-000000000000/cancel', {})).status,
    ).not.toBe(429);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/orderstream_admission_refusals_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(new RegExp(`orderstream_command_backlog\\{[^}]*\\} ${backlog}\n`));
  });

  it('takes work again by itself once the backlog drains', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topics.commands('payments'));
      // The lagging processor catches up: its group commits the end of every partition.
      await admin.setOffsets({
        groupId: laggingGroup,
        topic: topics.commands('payments'),
        partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
      });
    } finally {
      await admin.disconnect();
    }
    const admitted = await eventually(
      'a create admitted after the backlog drained',
      async () => {
        const res = await create();
        return res.status === 429 ? undefined : res;
      },
      20_000,
    );
    expect(admitted.status).toBe(201);
  });
});
