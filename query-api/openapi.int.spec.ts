import { HTTP_METHODS, type JsonSchema, type OpenApiDocument } from '../lib/http/openapi/builder';
import { resolvePointer } from '../lib/http/openapi/check';
import { queryApiDocument } from './openapi-document';
import { startTestApp, type TestApp } from '../lib/http/testing';
import { uniqueName } from '../test/support/env';
import { NotFoundError } from '../lib/errors';
import { CHANGES_CHANNEL } from '../lib/read-models/views';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildConsole } from '../test/support/browser';
import { CONSOLE_DIST, createConsoleRouter } from './console-routes';
import type { DeadLetterControl } from './dead-letter-control';
import { createDeadLetterRouter } from './dead-letter-routes';
import { createGatewayFaultRouter, type GatewayFaults, type GatewayKnobs } from './gateway-fault-routes';
import { createReplayRouter, type ReplayControl } from './replay-routes';
import {
  notificationView,
  orderView,
  paymentView,
  productView,
  shipmentView,
  startQueryApiHarness,
  upsertOrder,
  upsertProduct,
  upsertView,
  type QueryApiHarness,
} from './testing/harness';
import { fetchAsAdmin } from '../test/support/auth';

jest.setTimeout(30_000);

const run = uniqueName('qa-doc');
const order = `${run}-order`;
const done = `${run}-done`;
const sku = `${run}-sku`;
const document = queryApiDocument();
let h: QueryApiHarness;
let noReplay: TestApp;
const replay: ReplayControl = {
  start: async () => ({ jobId: 'job-1' }),
  progress: (jobId) => (jobId === 'job-1' ? { state: 'running' } : undefined),
};

const letter = {
  partition: 0,
  offset: '5',
  at: new Date().toISOString(),
  source: 'orders.commands/0',
  attempts: 3,
  reason: 'poison',
  headers: { 'dlq-reason': 'poison' },
  value: '{}',
};
const deadLetters: DeadLetterControl = {
  groups: () => ['orders-command-processor', 'projections'],
  list: async (group) => (group === 'orders-command-processor' ? [letter] : []),
  redrive: async (group, partition, offset) => {
    if (partition !== 0 || offset !== '5')
      throw new NotFoundError(`no dead letter at ${partition}:${offset}`);
    return { partition, offset, to: 'orders.commands' };
  },
};
let knobs: GatewayKnobs = { errorRate: 0, latencyMs: 0, timeoutRate: 0, declineRate: 0 };
const gateway: GatewayFaults = {
  get: async () => knobs,
  set: async (next) => (knobs = { errorRate: 0, latencyMs: 0, timeoutRate: 0, declineRate: 0, ...next }),
};
// The feed streams only what is published while it is open: a change every 100 ms ends a `limit=1` stream.
let publishing: NodeJS.Timeout | undefined;

beforeAll(async () => {
  // `npm install` builds the console; a checkout installed with --ignore-scripts has not.
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) buildConsole();
  h = await startQueryApiHarness(run.replace(/-/g, '_'), { replay, deadLetters, gateway });
  // An app without any of the optional engines: each of their routes answers 501.
  noReplay = await startTestApp({
    routers: [
      createReplayRouter({}),
      createDeadLetterRouter({}),
      createGatewayFaultRouter({}),
      createConsoleRouter({ settings: { services: [] }, dist: `/nonexistent/${run}` }),
    ],
  });
  await upsertOrder(h.db, orderView(order, { version: 3 }));
  await upsertOrder(h.db, orderView(done, { status: 'Completed', version: 9 }));
  await upsertProduct(h.db, productView(sku, { name: 'Documented widget' }));
  await upsertView(h.db, 'payments', paymentView(order));
  await upsertView(h.db, 'shipments', shipmentView(order));
  await upsertView(h.db, 'notifications', notificationView(order, 'order-placed', 'email'));
});
afterAll(async () => {
  clearInterval(publishing);
  await noReplay?.close();
  await h?.close();
});

interface Case {
  /** The concrete request: path with query, optional method/headers/body. */
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  /** Served by an app without a replay engine. */
  app?: 'noReplay';
}

const etagOf = async (path: string) => (await fetchAsAdmin(`${h.url}${path}`)).headers.get('etag') as string;

/** At least one request per documented operation, covering the statuses we can provoke. */
const cases: Record<string, () => Promise<Case[]>> = {
  'GET /api/queries/orders/{id}': async () => [
    { path: `/api/queries/orders/${order}`, status: 200 },
    {
      path: `/api/queries/orders/${order}`,
      headers: { 'If-None-Match': await etagOf(`/api/queries/orders/${order}`) },
      status: 304,
    },
    { path: `/api/queries/orders/${run}-none`, status: 404 },
    { path: `/api/queries/orders/${order}?x=1`, status: 400 },
  ],
  'GET /api/queries/orders': async () => [
    { path: '/api/queries/orders?customerId=customer-1&status=Draft&page=1&pageSize=5', status: 200 },
    { path: '/api/queries/orders?status[$ne]=Draft', status: 400 },
  ],
  'GET /api/queries/orders/{id}/stream': async () => [
    { path: `/api/queries/orders/${done}/stream`, status: 200 },
    { path: `/api/queries/orders/${run}-none/stream`, status: 404 },
    { path: `/api/queries/orders/${done}/stream?$where=1`, status: 400 },
  ],
  'GET /api/queries/inventory/{sku}': async () => [
    { path: `/api/queries/inventory/${sku}`, status: 200 },
    {
      path: `/api/queries/inventory/${sku}`,
      headers: { 'If-None-Match': await etagOf(`/api/queries/inventory/${sku}`) },
      status: 304,
    },
    { path: `/api/queries/inventory/${run}-none`, status: 404 },
    { path: `/api/queries/inventory/${encodeURIComponent('bad sku')}`, status: 400 },
  ],
  'GET /api/products': async () => [
    { path: '/api/products?category=general&page=1&pageSize=10', status: 200 },
    { path: '/api/products?pageSize=0', status: 400 },
  ],
  'GET /api/products/search': async () => [
    { path: '/api/products/search?query=widget', status: 200 },
    { path: '/api/products/search', status: 400 },
  ],
  'GET /api/products/{id}': async () => [
    { path: `/api/products/${sku}`, status: 200 },
    {
      path: `/api/products/${sku}`,
      headers: { 'If-None-Match': await etagOf(`/api/products/${sku}`) },
      status: 304,
    },
    { path: `/api/products/${run}-none`, status: 404 },
    { path: `/api/products/${sku}?category=x`, status: 400 },
  ],
  'POST /api/admin/projections/replay': async () => [
    { path: '/api/admin/projections/replay', method: 'POST', status: 202 },
    {
      path: '/api/admin/projections/replay',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
      status: 400,
    },
    { path: '/api/admin/projections/replay', method: 'POST', status: 501, app: 'noReplay' },
  ],
  'GET /api/admin/projections/replay/{jobId}': async () => [
    { path: '/api/admin/projections/replay/job-1', status: 200 },
    { path: '/api/admin/projections/replay/job-2', status: 404 },
    { path: '/api/admin/projections/replay/job-1?verbose=1', status: 400 },
    { path: '/api/admin/projections/replay/job-1', status: 501, app: 'noReplay' },
  ],
  'GET /api/queries/payments/{orderId}': async () => [
    { path: `/api/queries/payments/${order}`, status: 200 },
    {
      path: `/api/queries/payments/${order}`,
      headers: { 'If-None-Match': await etagOf(`/api/queries/payments/${order}`) },
      status: 304,
    },
    { path: `/api/queries/payments/${run}-none`, status: 404 },
    { path: `/api/queries/payments/${order}?x=1`, status: 400 },
  ],
  'GET /api/queries/shipments/{orderId}': async () => [
    { path: `/api/queries/shipments/${order}`, status: 200 },
    {
      path: `/api/queries/shipments/${order}`,
      headers: { 'If-None-Match': await etagOf(`/api/queries/shipments/${order}`) },
      status: 304,
    },
    { path: `/api/queries/shipments/${run}-none`, status: 404 },
    { path: `/api/queries/shipments/${encodeURIComponent('a b')}`, status: 400 },
  ],
  'GET /api/queries/payments': async () => [
    { path: '/api/queries/payments?customerId=customer-1&status=Captured&page=1&pageSize=5', status: 200 },
    { path: '/api/queries/payments?status=Lost', status: 400 },
  ],
  'GET /api/queries/shipments': async () => [
    { path: '/api/queries/shipments?customerId=customer-1&status=Created', status: 200 },
    { path: '/api/queries/shipments?page=0', status: 400 },
  ],
  'GET /api/queries/notifications': async () => [
    { path: `/api/queries/notifications?orderId=${order}&channel=email&status=Sent`, status: 200 },
    { path: '/api/queries/notifications?channel=fax', status: 400 },
  ],
  'GET /api/queries/customers/{customerId}/notification-preferences': async () => [
    { path: '/api/queries/customers/customer-1/notification-preferences', status: 200 },
    {
      path: '/api/queries/customers/customer-1/notification-preferences',
      headers: {
        'If-None-Match': await etagOf('/api/queries/customers/customer-1/notification-preferences'),
      },
      status: 304,
    },
    { path: `/api/queries/customers/${encodeURIComponent('a b')}/notification-preferences`, status: 400 },
  ],
  'GET /api/admin/notifications/templates': async () => [
    { path: '/api/admin/notifications/templates', status: 200 },
    { path: '/api/admin/notifications/templates?x=1', status: 400 },
  ],
  'POST /api/admin/notifications/templates/{templateId}/preview': async () => [
    {
      path: '/api/admin/notifications/templates/order-shipped/preview',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        params: { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T-1' },
        channel: 'email',
        locale: 'de-CH',
      }),
      status: 200,
    },
    {
      path: '/api/admin/notifications/templates/order-shipped/preview',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ params: { orderId: 'o-1' } }),
      status: 400,
    },
    { path: '/api/admin/notifications/templates/no-such/preview', method: 'POST', status: 404 },
  ],
  'GET /api/queries/feed': async () => {
    publishing ??= setInterval(
      () => void h.redis.publish(CHANGES_CHANNEL, JSON.stringify({ view: 'orders', id: order, version: 3 })),
      100,
    );
    return [
      { path: '/api/queries/feed?view=orders&limit=1', status: 200 },
      { path: '/api/queries/feed?view=nope', status: 400 },
    ];
  },
  'GET /api/queries/orders/{id}/journey': async () => [
    { path: `/api/queries/orders/${order}/journey`, status: 200 },
    { path: `/api/queries/orders/${run}-none/journey`, status: 404 },
    { path: `/api/queries/orders/${order}/journey?x=1`, status: 400 },
  ],
  'GET /api/admin/deadletters': async () => [
    { path: '/api/admin/deadletters', status: 200 },
    { path: '/api/admin/deadletters?x=1', status: 400 },
    { path: '/api/admin/deadletters', status: 501, app: 'noReplay' },
  ],
  'GET /api/admin/deadletters/{group}': async () => [
    { path: '/api/admin/deadletters/orders-command-processor', status: 200 },
    { path: '/api/admin/deadletters/nope', status: 404 },
    { path: '/api/admin/deadletters/orders-command-processor?x=1', status: 400 },
    { path: '/api/admin/deadletters/orders-command-processor', status: 501, app: 'noReplay' },
  ],
  'POST /api/admin/deadletters/{group}/redrive': async () => {
    const post = (group: string, body: string, status: number, app?: 'noReplay'): Case => ({
      path: `/api/admin/deadletters/${group}/redrive`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      status,
      ...(app ? { app } : {}),
    });
    return [
      post('orders-command-processor', '{"partition":0,"offset":"5"}', 200),
      post('orders-command-processor', '{"partition":-1,"offset":"5"}', 400),
      post('orders-command-processor', '{"partition":0,"offset":"6"}', 404),
      post('nope', '{"partition":0,"offset":"5"}', 404),
      post('projections', '{"partition":0,"offset":"5"}', 409),
      post('orders-command-processor', '{"partition":0,"offset":"5"}', 501, 'noReplay'),
      {
        path: '/api/admin/deadletters/orders-command-processor/redrive',
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '0:5',
        status: 415,
      },
    ];
  },
  'GET /api/admin/simulators/payment-gateway/failures': async () => [
    { path: '/api/admin/simulators/payment-gateway/failures', status: 200 },
    { path: '/api/admin/simulators/payment-gateway/failures?x=1', status: 400 },
    { path: '/api/admin/simulators/payment-gateway/failures', status: 501, app: 'noReplay' },
  ],
  'POST /api/admin/simulators/payment-gateway/failures': async () => {
    const post = (body: string, status: number, app?: 'noReplay'): Case => ({
      path: '/api/admin/simulators/payment-gateway/failures',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      status,
      ...(app ? { app } : {}),
    });
    return [
      post('{"declineRate":0.5}', 200),
      post('{"declineRate":2}', 400),
      // JSON null is not "no body": it is a body of the wrong type.
      post('null', 400),
      post('[]', 400),
      post('{"declineRate":0.5}', 501, 'noReplay'),
      {
        path: '/api/admin/simulators/payment-gateway/failures',
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'declineRate=1',
        status: 415,
      },
    ];
  },
  'GET /console/': async () => [
    { path: '/console/', status: 200 },
    { path: '/console/', status: 501, app: 'noReplay' },
  ],
  'GET /console/config.json': async () => [{ path: '/console/config.json', status: 200 }],
  'GET /health': async () => [{ path: '/health', status: 200 }],
  'GET /health/live': async () => [{ path: '/health/live', status: 200 }],
  'GET /health/ready': async () => [{ path: '/health/ready', status: 200 }],
  'GET /health/startup': async () => [{ path: '/health/startup', status: 200 }],
  'GET /metrics': async () => [{ path: '/metrics', status: 200 }],
};

const operations = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, op: item[m]! })),
  );

const resolve = (schema: JsonSchema): JsonSchema =>
  typeof schema.$ref === 'string' ? (resolvePointer(document, schema.$ref) as JsonSchema) : schema;

it('has a test case for every documented operation, and documents every tested one', () => {
  expect(Object.keys(cases).sort()).toEqual(
    operations(document)
      .map((o) => o.key)
      .sort(),
  );
});

describe.each(operations(document))('$key', ({ key, op }) => {
  it('answers only documented statuses, with the documented media type and required fields', async () => {
    const made = await cases[key]!();
    const statuses = new Set<number>();
    for (const c of made) {
      const base = c.app === 'noReplay' ? noReplay.url : h.url;
      const res = await fetchAsAdmin(`${base}${c.path}`, {
        method: c.method ?? 'GET',
        headers: c.headers,
        body: c.body,
        signal: AbortSignal.timeout(5000),
      });
      expect({ request: `${c.method ?? 'GET'} ${c.path}`, status: res.status }).toEqual({
        request: `${c.method ?? 'GET'} ${c.path}`,
        status: c.status,
      });
      const documented = op.responses[String(res.status)];
      expect(documented).toBeDefined();
      statuses.add(res.status);
      if (res.status === 304) continue;
      const mediaTypes = Object.keys(documented?.content ?? {});
      const contentType = (res.headers.get('content-type') ?? '').split(';')[0] as string;
      if (mediaTypes.length > 0) expect(mediaTypes).toContain(contentType);
      const schema = documented?.content?.[contentType]?.schema;
      const text = await res.text();
      if (schema && contentType.endsWith('json')) {
        const body = JSON.parse(text) as Record<string, unknown>;
        for (const field of (resolve(schema).required as string[] | undefined) ?? []) {
          expect({ field, present: field in body }).toEqual({ field, present: true });
        }
      }
    }
    // The success answer of every operation is exercised, not only its errors.
    expect([...statuses].some((s) => s >= 200 && s < 300)).toBe(true);
  });
});

describe('the document itself', () => {
  it('is served at /openapi.json and rendered at /docs', async () => {
    expect(await (await fetchAsAdmin(`${h.url}/openapi.json`)).json()).toEqual(
      JSON.parse(JSON.stringify(document)),
    );
    const docs = await fetchAsAdmin(`${h.url}/docs`);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await docs.text();
    expect(html).toContain('/api/queries/orders/{id}/stream');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/i);
  });
});
