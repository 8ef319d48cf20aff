import { connect } from 'node:net';
import { catalog, type Product } from '../../domain/catalog/catalog';
import type { CreateOrder } from '../../domain/order/commands';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createLogger } from '../../lib/observability/logger';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { sharedEndpoints, startStackInstance, type StackInstance } from '../../stack/instance';
import { testEndpoints } from '../support/env';
import {
  startOrderTraffic,
  startSupervisedProcessors,
  type OrderTraffic,
  type SupervisedProcessors,
} from '../support/supervised-processors';
import { until } from '../support/eventually';
import { fetchAsAdmin, testAuth } from '../support/auth';

jest.setTimeout(600_000);

/**
 * DESIGN §12, a Kafka broker restart: the broker of a private stack instance (its own Kafka,
 * the shared registry) stops while CreateOrder commands flow, stays down 5 s and starts again.
 * Every command sent before, during (published once the broker is back, as a retrying client
 * would) and after gets its reply; the processors come back by themselves (kafkajs reconnecting,
 * or an exit the supervisor restarts), and the command API's producer, reply consumer and
 * readiness recover without a restart.
 */
const PORTS = {
  kafka: 24092,
  kafkaController: 24093,
  registry: 24085,
  registryManagement: 24086,
  mongo: 24017,
  redis: 24379,
};

let instance: StackInstance;
let processors: SupervisedProcessors | undefined;
let traffic: OrderTraffic | undefined;
let redis: Redis | undefined;
let api: CommandApi | undefined;
let server: HttpServerHandle | undefined;

afterAll(async () => {
  await server?.close();
  await api?.stop();
  await redis?.quit();
  await traffic?.close();
  await processors?.stop();
  await instance?.close();
});

const portClosed = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

const ready = async (url: string): Promise<{ status: number; body: unknown }> => {
  const response = await fetchAsAdmin(`${url}/health/ready`);
  return { status: response.status, body: await response.json() };
};

it('answers every command sent before, during and after a 5 s broker restart', async () => {
  testEndpoints();
  instance = await startStackInstance({
    name: 'sup',
    services: ['kafka'],
    ports: PORTS,
    shared: sharedEndpoints(),
  });
  const brokers = instance.endpoints.kafkaBrokers;
  processors = await startSupervisedProcessors({
    kafkaBrokers: brokers,
    schemaRegistryUrl: instance.endpoints.schemaRegistryUrl,
  });
  const { topics } = processors;
  traffic = await startOrderTraffic(brokers, topics);
  const output = () => processors?.recentOutput().slice(-30).join('\n') ?? '';

  redis = createRedis(instance.endpoints.redisUrl, 'kafka-restart-int');
  api = await createCommandApi({
    verifier: (await testAuth()).verifier,
    kafka: createKafka({ brokers, clientId: 'kafka-restart-api' }),
    redis,
    topics,
    logger: createLogger({
      service: 'kafka-restart-api',
      level: 'warn',
      destination: { write: () => undefined },
    }),
  });
  server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
  api.health.markStarted();
  const apiUrl = server.url;

  const first = await traffic.sendOne();
  await until(
    'the first command answered',
    () => first.repliedAt !== undefined,
    180_000,
    () => `processors never answered:\n${output()}`,
  );
  let apiReady = await ready(apiUrl);
  const readyDeadline = Date.now() + 60_000;
  while (apiReady.status !== 200 && Date.now() < readyDeadline) apiReady = await ready(apiUrl);
  expect(apiReady.status).toBe(200);

  const stopFlow = traffic.flow(10);
  await until(
    '30 commands sent',
    () => traffic!.sent.length >= 30,
    30_000,
    () => 'traffic did not flow',
  );
  const sentBefore = traffic.sent.length;

  await instance.stop('kafka');
  const closedDeadline = Date.now() + 30_000;
  while (!(await portClosed(PORTS.kafka))) {
    if (Date.now() > closedDeadline) throw new Error('the broker port stayed open');
    await new Promise((r) => setTimeout(r, 100));
  }
  const downAt = Date.now();
  // The fault itself: the broker stays away this long.
  await new Promise((r) => setTimeout(r, 5_000));
  // While it is away the API says so and names the part.
  const whileDown = await ready(apiUrl);
  expect(whileDown.status).toBe(503);
  await instance.start('kafka');
  const upAt = Date.now();

  await until(
    '100 more commands sent',
    () => traffic!.sent.length >= sentBefore + 100,
    180_000,
    () => `traffic stalled:\n${output()}`,
  );
  await stopFlow();
  const sentDuring = traffic.sent.filter((c) => c.sentAt >= downAt).length;

  await until(
    'every command answered',
    () => traffic!.unanswered().length === 0,
    240_000,
    () => `${traffic!.unanswered().length} of ${traffic!.sent.length} commands unanswered:\n${output()}`,
  );
  const lastReply = Math.max(...traffic.sent.map((c) => c.repliedAt ?? 0));

  // The command API recovered in place: ready again, and a command through its bus is answered.
  const apiDeadline = Date.now() + 120_000;
  let after = await ready(apiUrl);
  while (after.status !== 200 && Date.now() < apiDeadline) {
    await new Promise((r) => setTimeout(r, 500));
    after = await ready(apiUrl);
  }
  expect(after).toMatchObject({ status: 200 });
  const orderId = `order-after-restart-${Date.now()}`;
  const product = catalog.list()[0] as Product;
  const command: CreateOrder = {
    type: 'CreateOrder',
    orderId,
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: product.sku, quantity: 1, unitPrice: product.price }],
    meta: {
      commandId: `cmd-${orderId}`,
      correlationId: `cmd-${orderId}`,
      issuedAt: new Date().toISOString(),
    },
  };
  const result = await api.buses.orders.send(orderId, command);
  expect(result.status).toBe('replied');

  process.stdout.write(
    `broker restart: ${traffic.sent.length} commands (${sentDuring} sent from the stop on, ${traffic.publishRetries} publish retries), ` +
      `all answered ${lastReply - upAt} ms after the broker started; processors restarted ${processors.supervisor.restarts('processors')} time(s)\n`,
  );
});
