import { PROBLEM_CONTENT_TYPE } from '../../lib/http/problem';
import { startTestApp, type TestApp } from '../../lib/http/testing';
import { createAdminRouter } from './admin-routes';
import { createCommandRouter } from './routes';
import { createFakeCommandBus, okReply } from './testing/fake-command-bus';
import { createMemoryIdempotencyStore } from './testing/memory-idempotency-store';

const bus = createFakeCommandBus();
const defaultRespond = bus.respond;
let counter = 0;
const newId = () => `id-${++counter}`;
const now = () => new Date('2030-01-02T03:04:05.000Z');
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    service: 'command-api-test',
    routers: [
      createCommandRouter({ bus, idempotency: createMemoryIdempotencyStore(), newId, now }),
      createAdminRouter({ bus, newId, now }),
    ],
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
  const problem = (await response.json()) as { errors?: { field: string; message: string }[] };
  return (problem.errors ?? []).map((e) => e.field);
};

describe('POST /api/commands/orders/create', () => {
  it('sends a CreateOrder priced from the catalogue and answers 201 with Location and ETag', async () => {
    const response = await post(
      '/api/commands/orders/create',
      { customerId: 'cust-1', items: [{ sku: 'BOOK-0001', quantity: 2 }] },
      { 'x-correlation-id': 'corr-create-1' },
    );
    expect(response.status).toBe(201);
    const { orderId } = (await response.json()) as { orderId: string };
    expect(response.headers.get('location')).toBe(`/api/queries/orders/${orderId}`);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(bus.sent).toHaveLength(1);
    const [{ aggregateId, command }] = bus.sent as [(typeof bus.sent)[number]];
    expect(aggregateId).toBe(orderId);
    expect(command).toEqual({
      type: 'CreateOrder',
      orderId,
      customerId: 'cust-1',
      currency: 'EUR',
      items: [{ sku: 'BOOK-0001', quantity: 2, unitPrice: 4599 }],
      meta: {
        commandId: expect.any(String),
        correlationId: 'corr-create-1',
        issuedAt: '2030-01-02T03:04:05.000Z',
      },
    });
    expect(command.meta.commandId).not.toBe(orderId);
  });

  it('accepts an order without items', async () => {
    expect((await post('/api/commands/orders/create', { customerId: 'cust-1' })).status).toBe(201);
    expect(bus.sent[0]?.command).toMatchObject({ items: [] });
  });

  it.each([
    ['an unknown field', { customerId: 'c', coupon: 'FREE' }, ['coupon']],
    [
      'a wrong type',
      { customerId: 'c', items: [{ sku: 'BOOK-0001', quantity: '2' }] },
      ['items[0].quantity'],
    ],
    ['quantity 0', { customerId: 'c', items: [{ sku: 'BOOK-0001', quantity: 0 }] }, ['items[0].quantity']],
    [
      'quantity 1001',
      { customerId: 'c', items: [{ sku: 'BOOK-0001', quantity: 1001 }] },
      ['items[0].quantity'],
    ],
    ['a missing customerId', { items: [] }, ['customerId']],
    ['a lowercase currency', { customerId: 'c', currency: 'eur' }, ['currency']],
    ['an id with a space', { customerId: 'c 1' }, ['customerId']],
    [
      'unknown skus',
      {
        customerId: 'c',
        items: [
          { sku: 'BOOK-0001', quantity: 1 },
          { sku: 'NOPE-1', quantity: 1 },
        ],
      },
      ['items[1].sku'],
    ],
  ])('answers 400 naming the field for %s, sending nothing', async (_, body, fields) => {
    const response = await post('/api/commands/orders/create', body);
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(fields);
    expect(bus.sent).toHaveLength(0);
  });
});

describe('POST /api/commands/orders/{id}/<action>', () => {
  it('prices add-item from the catalogue and takes expectedVersion from If-Match', async () => {
    const response = await post(
      '/api/commands/orders/o-1/add-item',
      { sku: 'ELEC-0002', quantity: 3 },
      { 'If-Match': 'W/"4"' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ orderId: 'o-1', version: 1 });
    expect(bus.sent[0]).toMatchObject({
      aggregateId: 'o-1',
      command: {
        type: 'AddItem',
        orderId: 'o-1',
        sku: 'ELEC-0002',
        quantity: 3,
        unitPrice: 3490,
        expectedVersion: 4,
      },
    });
  });

  it('names sku for an unknown sku and expectedVersion when body and If-Match disagree', async () => {
    const unknown = await post('/api/commands/orders/o-1/add-item', { sku: 'NOPE-1', quantity: 1 });
    expect(unknown.status).toBe(400);
    expect(await problemFields(unknown)).toEqual(['sku']);
    const contradicting = await post(
      '/api/commands/orders/o-1/remove-item',
      { sku: 'ELEC-0002', expectedVersion: 2 },
      { 'If-Match': '"3"' },
    );
    expect(contradicting.status).toBe(400);
    expect(await problemFields(contradicting)).toEqual(['expectedVersion']);
    const badTag = await post('/api/commands/orders/o-1/place', undefined, { 'If-Match': '"three"' });
    expect(await problemFields(badTag)).toEqual(['If-Match']);
    expect(bus.sent).toHaveLength(0);
  });

  it('refuses a path id outside the id alphabet', async () => {
    const response = await post('/api/commands/orders/bad%20id/place');
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(['id']);
  });

  it('places and cancels with an empty body; cancel defaults its reason', async () => {
    expect((await post('/api/commands/orders/o-2/place')).status).toBe(200);
    expect((await post('/api/commands/orders/o-2/cancel')).status).toBe(200);
    expect(bus.sent.map((s) => s.command)).toMatchObject([
      { type: 'PlaceOrder', orderId: 'o-2' },
      {
        type: 'CancelOrder',
        orderId: 'o-2',
        reasonCode: 'CUSTOMER_REQUEST',
        reason: expect.stringMatching(/customer/),
      },
    ]);
    expect(bus.sent[0]?.command).not.toHaveProperty('expectedVersion');
  });

  it("offers no route to pay or ship: those are the saga's steps", async () => {
    for (const action of ['pay', 'ship']) {
      const res = await post(`/api/commands/orders/o-3/${action}`, { paymentId: 'pay-1', amount: 4599 });
      expect(res.status).toBe(404);
    }
    expect(bus.sent).toEqual([]);
  });

  it('answers a rejected command through the problem mapping (409 with currentVersion)', async () => {
    bus.respond = ({ command }) => ({
      status: 'replied',
      reply: {
        commandId: command.meta.commandId,
        aggregateId: 'o-4',
        ok: false,
        error: { code: 'VERSION_CONFLICT', message: 'stale', currentVersion: 6 },
      },
    });
    const response = await post('/api/commands/orders/o-4/place', { expectedVersion: 5 });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: 6 });
  });
});

describe('pending commands and the status URL', () => {
  it('answers 202 with a status URL, which says pending until the reply is known, then answers it', async () => {
    bus.respond = ({ command }) => ({ status: 'pending', commandId: command.meta.commandId });
    const response = await post('/api/commands/orders/o-5/place');
    expect(response.status).toBe(202);
    const body = (await response.json()) as { commandId: string; statusUrl: string };
    expect(body).toMatchObject({ orderId: 'o-5', status: 'pending' });
    expect(response.headers.get('location')).toBe(body.statusUrl);

    const before = await fetch(`${app.url}${body.statusUrl}`);
    expect(before.status).toBe(202);
    expect(before.headers.get('retry-after')).toBe('1');
    expect(await before.json()).toMatchObject({ commandId: body.commandId, status: 'pending' });

    bus.remember(okReply(body.commandId, 'o-5', 2));
    const after = await fetch(`${app.url}${body.statusUrl}`);
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).toBe('"2"');
    expect(await after.json()).toEqual({ orderId: 'o-5', version: 2 });
  });
});

describe('Idempotency-Key', () => {
  const create = { customerId: 'cust-9', items: [{ sku: 'TOYS-0001', quantity: 1 }] };

  it("gives a retry the first attempt's command id and order id", async () => {
    const first = await post('/api/commands/orders/create', create, { 'Idempotency-Key': 'key-1' });
    const retry = await post(
      '/api/commands/orders/create',
      { items: create.items, customerId: 'cust-9' },
      { 'Idempotency-Key': 'key-1' },
    );
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual(await first.json());
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(bus.sent[1]?.command.meta.commandId).toBe(bus.sent[0]?.command.meta.commandId);
  });

  it('answers 422 to the same key on a different request', async () => {
    await post('/api/commands/orders/create', create, { 'Idempotency-Key': 'key-2' });
    const reused = await post(
      '/api/commands/orders/create',
      { ...create, currency: 'USD' },
      { 'Idempotency-Key': 'key-2' },
    );
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(bus.sent).toHaveLength(1);
  });
});

describe('admin routes', () => {
  it('sends CreateSnapshot for the aggregate and answers with the reply', async () => {
    const response = await post('/api/admin/snapshots/create/o-6');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ aggregateId: 'o-6', version: 1, snapshot: 'created' });
    expect(bus.sent[0]).toMatchObject({
      aggregateId: 'o-6',
      command: { type: 'CreateSnapshot', orderId: 'o-6' },
    });
  });

  it('answers 501 with a problem while no event reader is configured', async () => {
    const response = await fetch(`${app.url}/api/admin/events/o-6`);
    expect(response.status).toBe(501);
    expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(await response.json()).toMatchObject({
      status: 501,
      detail: expect.stringMatching(/not available/),
    });
  });
});
