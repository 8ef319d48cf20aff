import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { startLiveCatalog, type LiveCatalog } from '../../producers/command-api/live-catalog';
import { fetchAs, testAuth } from '../support/auth';
import { testEndpoints } from '../support/env';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';

jest.setTimeout(180_000);

/**
 * Products end to end on the real stack: an operator registers, reprices, renames and retires a
 * product over HTTP; customers order it over HTTP, priced from what the inventory events say;
 * the saga runs every order to its end with the price each line was added at.
 */
describe('products from registration to retirement', () => {
  let h: SagaHarness;
  let redis: Redis;
  let catalog: LiveCatalog;
  let api: CommandApi;
  let server: HttpServerHandle;
  const sku = `E2E-${randomUUID().slice(0, 8)}`;
  const operator = fetchAs('operator');
  const customer = fetchAs('customer', `cust-${sku}`);

  beforeAll(async () => {
    h = await sagaHarness();
    catalog = await startLiveCatalog({
      kafka: h.kafka,
      topics: h.topics,
      decode: async (type, value) => (await h.pipeline.codecs.inventory.decode(type, value)).event,
    });
    redis = createRedis(testEndpoints().redisUrl, 'products-e2e');
    api = await createCommandApi({
      verifier: (await testAuth()).verifier,
      kafka: h.kafka,
      redis,
      topics: h.topics,
      catalog,
      replyTimeoutMs: 20_000,
      logger: pino({ level: 'silent' }),
    });
    server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
    api.health.markStarted();
  });

  afterAll(async () => {
    await server?.close();
    await api?.stop();
    await catalog?.stop();
    await redis?.quit();
    await h?.close();
  });

  const post = async (as: typeof fetch, path: string, body?: unknown) => {
    const res = await as(`${server.url}${path}`, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** Waits for this instance's catalogue to have read the operator's change. */
  const catalogueShows = async (check: () => boolean) => {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(`catalogue did not catch up: ${JSON.stringify(catalog.productOf(sku))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const createOrder = async (quantity: number) => {
    const created = await post(customer, '/api/commands/orders/create', { items: [{ sku, quantity }] });
    expect(created.status).toBe(201);
    return created.body.orderId as string;
  };

  const linesOf = (orderId: string) =>
    (
      h.journey(orderId)?.events.find((e) => e.type === 'OrderCreated')?.data as {
        items: { sku: string; unitPrice: number }[];
      }
    ).items;

  it('prices, reprices and stops selling a product registered over HTTP; every order keeps its price', async () => {
    const registered = await post(operator, '/api/commands/inventory/products', {
      sku,
      name: 'Watering can',
      price: 1_000,
      category: 'garden',
      initialStock: 20,
    });
    expect(registered).toMatchObject({ status: 201, body: { sku, version: 1 } });
    await catalogueShows(() => catalog.priceOf(sku) === 1_000);

    const first = await createOrder(2);
    // Added to before the price changes, placed after it: the line keeps 1 000.
    const draft = await createOrder(1);
    expect(await post(customer, `/api/commands/orders/${first}/place`)).toMatchObject({ status: 200 });

    expect(await post(operator, `/api/commands/inventory/${sku}/price`, { price: 1_500 })).toMatchObject({
      status: 200,
    });
    expect(
      await post(operator, `/api/commands/inventory/${sku}/rename`, { name: 'Watering can XL' }),
    ).toMatchObject({ status: 200 });
    await catalogueShows(
      () => catalog.priceOf(sku) === 1_500 && catalog.productOf(sku)?.name === 'Watering can XL',
    );

    const second = await createOrder(1);
    expect(await post(customer, `/api/commands/orders/${second}/place`)).toMatchObject({ status: 200 });
    expect(await post(customer, `/api/commands/orders/${draft}/place`)).toMatchObject({ status: 200 });

    const paid = async (orderId: string) => {
      const journey = await h.waitForStatus(orderId, ['Completed', 'Cancelled']);
      expect(journey.status).toBe('Completed');
      return (journey.events.find((e) => e.type === 'OrderPaid')?.data as { amount: number }).amount;
    };
    expect(await paid(first)).toBe(2_000);
    expect(await paid(second)).toBe(1_500);
    expect(await paid(draft)).toBe(1_000);
    expect(linesOf(first)).toEqual([expect.objectContaining({ sku, unitPrice: 1_000 })]);
    expect(linesOf(second)).toEqual([expect.objectContaining({ sku, unitPrice: 1_500 })]);

    // Retired: no new line may take it, but an order that already holds it is still fulfilled.
    const held = await createOrder(1);
    expect(
      await post(operator, `/api/commands/inventory/${sku}/retire`, { reason: 'end of season' }),
    ).toMatchObject({ status: 200 });
    await catalogueShows(() => catalog.productOf(sku)?.retired === true);
    const refused = await post(customer, '/api/commands/orders/create', { items: [{ sku, quantity: 1 }] });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: 'items[0].sku', message: expect.stringContaining('retired') as unknown },
    ]);
    expect(await post(operator, `/api/commands/inventory/${sku}/price`, { price: 1 })).toMatchObject({
      status: 409,
    });
    expect(await post(customer, `/api/commands/orders/${held}/place`)).toMatchObject({ status: 200 });
    expect(await paid(held)).toBe(1_500);
    expect(h.stock(sku)).toMatchObject({
      price: 1_500,
      name: 'Watering can XL',
      retired: { reason: 'end of season' },
    });
  });

  it('answers 404 to a change of a product nobody registered', async () => {
    expect(await post(operator, `/api/commands/inventory/NOPE-${sku}/price`, { price: 100 })).toMatchObject({
      status: 404,
    });
  });
});
