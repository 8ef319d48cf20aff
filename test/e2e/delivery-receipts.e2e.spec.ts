import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createMetrics } from '../../lib/observability/metrics';
import { startProjections, type Projections } from '../../processors/projections/projection-runner';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { startQueryApiHarness, type QueryApiHarness } from '../../query-api/testing/harness';
import { untilPasses } from '../support/eventually';
import { fetchAs, testAuth } from '../support/auth';
import { testEndpoints, uniqueName } from '../support/env';
import { freePort } from '../support/free-port';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';

jest.setTimeout(240_000);

interface ServedOrder {
  status: string;
  notifications: { notificationId: string; channel: string; status: string; delivery?: { status: string } }[];
}

/**
 * Delivery receipts end to end: the saga sends each order's notices through the provider (a real
 * process), the provider reports each delivery to the command API's receipt route with a service
 * token, the notification aggregate records it, the projections fold it, and the order view in the
 * query API shows every notification with what became of it.
 */
describe("the provider's receipts reach the order view", () => {
  let h: SagaHarness;
  let api: CommandApi;
  let server: HttpServerHandle;
  let query: QueryApiHarness;
  let projections: Projections;
  const sku = `RCPT-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    // The webhook's URL is known before the command API listens, as npm start wires it.
    const port = await freePort();
    h = await sagaHarness({
      notificationsEnv: {
        RECEIPT_WEBHOOK_URL: `http://127.0.0.1:${port}/api/commands/notifications/{reference}/receipt`,
        RECEIPT_WEBHOOK_TOKEN: await (await testAuth()).token('operator', 'notification-provider'),
        RECEIPT_AFTER_MS: '100',
      },
    });
    query = await startQueryApiHarness(uniqueName('receipts').replace(/-/g, '_'));
    api = await createCommandApi({
      verifier: (await testAuth()).verifier,
      kafka: h.kafka,
      redis: query.redis,
      topics: h.topics,
      replyTimeoutMs: 20_000,
      logger: pino({ level: 'silent' }),
    });
    server = await listen(api.app, port, '127.0.0.1', { graceMs: 100 });
    api.health.markStarted();
    projections = await startProjections({
      kafka: h.kafka,
      registry: createSchemaRegistry(testEndpoints().schemaRegistryUrl),
      topics: h.topics,
      db: query.db,
      redis: query.redis,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics({ service: 'receipts-e2e', defaultMetrics: false }),
    });
    await h.inventory({
      type: 'RegisterProduct',
      sku,
      name: 'Lamp',
      price: 3_000,
      category: 'home',
      initialStock: 50,
      lowStockThreshold: 0,
    });
  });

  afterAll(async () => {
    await projections?.stop();
    await server?.close();
    await api?.stop();
    await h?.close();
    await query?.close();
  });

  /** Runs an order to its end; the order view once every notice in it carries a receipt. */
  const orderWithReceipts = async (customerId: string): Promise<ServedOrder> => {
    const orderId = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId,
      currency: 'EUR',
      items: [{ sku, quantity: 1, unitPrice: 3_000 }],
    });
    await h.order({ type: 'PlaceOrder', orderId });
    expect((await h.waitForStatus(orderId, ['Completed', 'Cancelled'])).status).toBe('Completed');
    let served: ServedOrder | undefined;
    await untilPasses(async () => {
      const response = await fetchAs('customer', customerId)(`${query.url}/api/queries/orders/${orderId}`);
      expect(response.status).toBe(200);
      served = (await response.json()) as ServedOrder;
      // Placed, paid, shipped and completed, each by email (the default preferences).
      expect(served.notifications.map((n) => n.notificationId.split(':')[1])).toEqual(
        expect.arrayContaining(['OrderPlaced', 'OrderPaid', 'OrderShipped', 'OrderCompleted']),
      );
      for (const n of served.notifications) expect(n.delivery).toBeDefined();
    }, 90_000);
    return served as ServedOrder;
  };

  it('shows each notification of a completed order as delivered', async () => {
    const order = await orderWithReceipts(`c-rcpt-${randomUUID().slice(0, 6)}`);
    expect(order.status).toBe('Completed');
    for (const n of order.notifications) {
      expect(n).toMatchObject({ channel: 'email', status: 'Sent', delivery: { status: 'delivered' } });
    }
  });

  it('shows bounces when the provider bounces', async () => {
    await h.knobs('notifications', { bounceRate: 1 });
    try {
      const order = await orderWithReceipts(`c-bounce-${randomUUID().slice(0, 6)}`);
      for (const n of order.notifications) {
        expect(n.delivery).toMatchObject({ status: 'bounced', reason: 'mailbox unavailable' });
      }
    } finally {
      await h.knobs('notifications', {});
    }
  });
});
