import type { Consumer, Kafka } from '../../lib/adapters/kafka/types';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { commandProcessorGroupId } from '../../lib/adapters/kafka/group-ids';
import { createLogger } from '../../lib/observability/logger';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { createCommandApi, type CommandApi } from './command-api';
import { fetchAsAdmin, testAuth } from '../../test/support/auth';

jest.setTimeout(90_000);

/**
 * The command API is ready only while the command processors' groups own its command topics:
 * without them every command would answer 202 "pending" forever. Consumers in the processors'
 * real group names stand in for the processors (joining a group is what makes a processor an
 * owner; the real pipeline's part is covered by the failover and broker-restart tests).
 */
const topics = topicNames(`${uniqueName('ready')}.`);
let kafka: Kafka;
let redis: Redis;
let api: CommandApi;
let server: HttpServerHandle;
const owners: Consumer[] = [];

beforeAll(async () => {
  const endpoints = testEndpoints();
  kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'command-api-readiness' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  redis = createRedis(endpoints.redisUrl, 'command-api-readiness');
  api = await createCommandApi({
    verifier: (await testAuth()).verifier,
    kafka,
    redis,
    topics,
    logger: createLogger({
      service: 'readiness-int',
      level: 'warn',
      destination: { write: () => undefined },
    }),
  });
  server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
  api.health.markStarted();
});

afterAll(async () => {
  await Promise.allSettled(owners.map((c) => c.disconnect()));
  await server?.close();
  await api?.stop();
  await redis?.quit();
});

interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, { status: string; detail?: string }> };
}

const readiness = async (): Promise<Readiness> => {
  const response = await fetchAsAdmin(`${server.url}/health/ready`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
};

/** Polls readiness until `done` holds (the check caches answers a few seconds), or fails with the last answer. */
const readinessUntil = async (done: (r: Readiness) => boolean, timeoutMs = 30_000): Promise<Readiness> => {
  const deadline = Date.now() + timeoutMs;
  let last = await readiness();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`readiness never matched; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await readiness();
  }
  return last;
};

const startOwner = async (aggregate: 'orders' | 'inventory'): Promise<Consumer> => {
  const consumer = kafka.consumer({
    groupId: commandProcessorGroupId(topics, aggregate),
    maxWaitTimeInMs: 50,
  });
  owners.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: topics.commands(aggregate), fromBeginning: true });
  await consumer.run({ eachMessage: async () => undefined });
  return consumer;
};

describe('command API readiness', () => {
  it('is 503 naming the command topics while no processor owns them', async () => {
    const { status, body } = await readiness();
    expect(status).toBe(503);
    expect(body.status).toBe('down');
    expect(body.checks['command-processors']).toMatchObject({
      status: 'down',
      detail: expect.stringContaining(`owns ${topics.commands('orders')}`),
    });
    expect(body.checks['command-processors']?.detail).toContain(`owns ${topics.commands('inventory')}`);
    // Everything else is fine: the answer names the one failing part.
    expect(body.checks.kafka?.status).toBe('ok');
    expect(body.checks['command-replies']?.status).toBe('ok');
  });

  it('stays 503 while only one of the two aggregates has a processor', async () => {
    await startOwner('orders');
    const { status, body } = await readinessUntil(
      (r) =>
        !(r.body.checks['command-processors']?.detail ?? '').includes(`owns ${topics.commands('orders')}`),
    );
    expect(status).toBe(503);
    expect(body.checks['command-processors']?.detail).toBe(
      `no processor in group ${commandProcessorGroupId(topics, 'inventory')} owns ${topics.commands('inventory')}`,
    );
  });

  it('is ready once every command partition has an owner', async () => {
    await startOwner('inventory');
    const { body } = await readinessUntil((r) => r.status === 200);
    expect(body.checks['command-processors']).toMatchObject({ status: 'ok' });
  });

  it('goes back to 503 when the processors leave', async () => {
    await Promise.all(owners.splice(0).map((c) => c.disconnect()));
    const { body } = await readinessUntil((r) => r.status === 503);
    expect(body.checks['command-processors']?.status).toBe('down');
  });
});
