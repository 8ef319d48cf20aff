import { PROBLEM_CONTENT_TYPE } from '../../lib/http/problem';
import { startTestApp, type TestApp } from '../../lib/http/testing';
import { createInventoryRouter } from './inventory-routes';
import { createFakeCommandBus, okReply } from './testing/fake-command-bus';
import { createMemoryIdempotencyStore } from './testing/memory-idempotency-store';
import { UNENCODABLE_PRODUCT } from './testing/unencodable-product';

const bus = createFakeCommandBus();
const defaultRespond = bus.respond;
let counter = 0;
const newId = () => `id-${++counter}`;
const now = () => new Date('2030-01-02T03:04:05.000Z');
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    service: 'inventory-routes-test',
    routers: [createInventoryRouter({ bus, idempotency: createMemoryIdempotencyStore(), newId, now })],
  });
});
afterAll(() => app.close());
beforeEach(() => {
  bus.sent.length = 0;
  bus.respond = defaultRespond;
});

const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const problemFields = async (response: Response) => {
  expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  const problem = (await response.json()) as { errors?: { field: string }[] };
  return (problem.errors ?? []).map((e) => e.field);
};

const product = { sku: 'GARD-0001', name: 'Garden Hose', price: 2999, category: 'garden', initialStock: 12 };

describe('POST /api/commands/inventory/products', () => {
  it('sends RegisterProduct keyed by sku with the default threshold and answers 201 with Location', async () => {
    const response = await post('/api/commands/inventory/products', product, {
      'x-correlation-id': 'corr-register',
      // Ignored: a product that does not exist yet has no version to match.
      'If-Match': '"9"',
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ sku: 'GARD-0001', version: 1 });
    expect(response.headers.get('location')).toBe('/api/products/GARD-0001');
    expect(response.headers.get('etag')).toBe('"1"');
    expect(bus.sent).toEqual([
      {
        aggregateId: 'GARD-0001',
        command: {
          type: 'RegisterProduct',
          ...product,
          lowStockThreshold: 5,
          meta: {
            commandId: expect.any(String),
            correlationId: 'corr-register',
            issuedAt: now().toISOString(),
          },
        },
      },
    ]);
  });

  it('keeps an explicit threshold of 0', async () => {
    await post('/api/commands/inventory/products', { ...product, lowStockThreshold: 0 });
    expect(bus.sent[0]?.command).toMatchObject({ lowStockThreshold: 0 });
  });

  it('answers an INVALID_STATE reply (sku registered with other details) with 409', async () => {
    bus.respond = ({ command }) => ({
      status: 'replied',
      reply: {
        commandId: command.meta.commandId,
        aggregateId: 'GARD-0001',
        ok: false,
        error: {
          code: 'INVALID_STATE',
          message: 'product GARD-0001 is already registered',
          currentVersion: 3,
        },
      },
    });
    const response = await post('/api/commands/inventory/products', product);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'INVALID_STATE', currentVersion: 3 });
  });

  it('answers 202 with an inventory status URL, which answers by sku once the reply is known', async () => {
    bus.respond = ({ command }) => ({ status: 'pending', commandId: command.meta.commandId });
    const response = await post('/api/commands/inventory/products', product);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { commandId: string; statusUrl: string };
    expect(body).toMatchObject({ sku: 'GARD-0001', status: 'pending' });
    expect(body.statusUrl).toBe(`/api/commands/inventory/status/${body.commandId}`);
    expect(response.headers.get('location')).toBe(body.statusUrl);

    expect((await fetch(`${app.url}${body.statusUrl}`)).status).toBe(202);
    bus.remember(okReply(body.commandId, 'GARD-0001', 1));
    const after = await fetch(`${app.url}${body.statusUrl}`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ sku: 'GARD-0001', version: 1 });
  });

  it('answers 400 naming the fields, sending nothing', async () => {
    const response = await post('/api/commands/inventory/products', { ...product, price: 29.99, stock: 1 });
    expect(response.status).toBe(400);
    expect((await problemFields(response)).sort()).toEqual(['price', 'stock']);
    expect(bus.sent).toHaveLength(0);
  });

  it('answers 400 naming lowStockThreshold for a value its event cannot hold, sending nothing', async () => {
    const response = await post('/api/commands/inventory/products', UNENCODABLE_PRODUCT);
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(['lowStockThreshold']);
    expect(bus.sent).toHaveLength(0);
  });

  it("gives a retry under the same Idempotency-Key the first attempt's command id", async () => {
    const headers = { 'Idempotency-Key': 'inv-key-1' };
    expect((await post('/api/commands/inventory/products', product, headers)).status).toBe(201);
    const retry = await post('/api/commands/inventory/products', product, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(bus.sent[1]?.command.meta.commandId).toBe(bus.sent[0]?.command.meta.commandId);

    const other = await post('/api/commands/inventory/products', { ...product, initialStock: 13 }, headers);
    expect(other.status).toBe(422);
    expect(bus.sent).toHaveLength(2);
  });
});

describe('POST /api/commands/inventory/{sku}/replenish', () => {
  it('sends ReplenishStock keyed by the path sku, expectedVersion from If-Match, and answers 200', async () => {
    const response = await post(
      '/api/commands/inventory/BOOK-0001/replenish',
      { quantity: 50 },
      {
        'If-Match': '"4"',
      },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sku: 'BOOK-0001', version: 1 });
    expect(response.headers.get('location')).toBeNull();
    expect(bus.sent[0]).toMatchObject({
      aggregateId: 'BOOK-0001',
      command: { type: 'ReplenishStock', sku: 'BOOK-0001', quantity: 50, expectedVersion: 4 },
    });
  });

  it('sends no expectedVersion when neither body nor If-Match gives one', async () => {
    await post('/api/commands/inventory/BOOK-0001/replenish', { quantity: 1 });
    expect(bus.sent[0]?.command).not.toHaveProperty('expectedVersion');
  });

  it('maps a VERSION_CONFLICT reply to 409 with the current version', async () => {
    bus.respond = ({ command }) => ({
      status: 'replied',
      reply: {
        commandId: command.meta.commandId,
        aggregateId: 'BOOK-0001',
        ok: false,
        error: { code: 'VERSION_CONFLICT', message: 'stale', currentVersion: 8 },
      },
    });
    const response = await post('/api/commands/inventory/BOOK-0001/replenish', {
      quantity: 1,
      expectedVersion: 7,
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: 8 });
  });

  it.each([
    ['quantity 0', '/api/commands/inventory/BOOK-0001/replenish', { quantity: 0 }, {}, ['quantity']],
    [
      'quantity 100001',
      '/api/commands/inventory/BOOK-0001/replenish',
      { quantity: 100_001 },
      {},
      ['quantity'],
    ],
    ['an empty body', '/api/commands/inventory/BOOK-0001/replenish', {}, {}, ['quantity']],
    [
      'a sku outside the id alphabet',
      '/api/commands/inventory/bad%20sku/replenish',
      { quantity: 1 },
      {},
      ['sku'],
    ],
    [
      'body and If-Match disagreeing',
      '/api/commands/inventory/BOOK-0001/replenish',
      { quantity: 1, expectedVersion: 2 },
      { 'If-Match': '"3"' },
      ['expectedVersion'],
    ],
  ])('answers 400 naming the field for %s, sending nothing', async (_, path, body, headers, fields) => {
    const response = await post(path, body, headers);
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(fields);
    expect(bus.sent).toHaveLength(0);
  });
});

describe('POST /api/commands/inventory/{sku}/price, /rename and /retire', () => {
  it.each([
    ['price', { price: 1999 }, { type: 'ChangeProductPrice', price: 1999 }],
    ['rename', { name: 'Garden Hose XL' }, { type: 'RenameProduct', name: 'Garden Hose XL' }],
    ['retire', { reason: 'discontinued' }, { type: 'RetireProduct', reason: 'discontinued' }],
  ])(
    '%s sends its command keyed by the path sku, with If-Match as expectedVersion',
    async (action, body, command) => {
      const response = await post(`/api/commands/inventory/GARD-0001/${action}`, body, { 'If-Match': '"3"' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ sku: 'GARD-0001', version: 1 });
      expect(bus.sent).toEqual([
        {
          aggregateId: 'GARD-0001',
          command: expect.objectContaining({ ...command, sku: 'GARD-0001', expectedVersion: 3 }) as unknown,
        },
      ]);
    },
  );

  it('retires without a body, with the default reason', async () => {
    const response = await post('/api/commands/inventory/GARD-0001/retire');
    expect(response.status).toBe(200);
    expect(bus.sent[0]?.command).toMatchObject({ type: 'RetireProduct', reason: 'no longer sold' });
  });

  it.each([
    ['a negative price', 'price', { price: -1 }, ['price']],
    ['a fractional price', 'price', { price: 9.99 }, ['price']],
    ['no price', 'price', {}, ['price']],
    ['a blank name', 'rename', { name: '   ' }, ['name']],
    ['an unknown field', 'retire', { reason: 'x', when: 'now' }, ['when']],
  ])('answers 400 naming the field for %s, sending nothing', async (_, action, body, fields) => {
    const response = await post(`/api/commands/inventory/GARD-0001/${action}`, body);
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(fields);
    expect(bus.sent).toHaveLength(0);
  });
});
