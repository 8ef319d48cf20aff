import { PROBLEM_CONTENT_TYPE } from '../lib/http/problem';
import { cacheKey } from '../lib/read-models/views';
import { fetchAs, fetchAsAdmin } from '../test/support/auth';
import { uniqueName } from '../test/support/env';
import {
  announceChange,
  notificationView,
  orderView,
  paymentView,
  shipmentView,
  startQueryApiHarness,
  upsertOrder,
  upsertView,
  type QueryApiHarness,
} from './testing/harness';
import { untilPasses } from '../test/support/eventually';

jest.setTimeout(30_000);

/**
 * Payments, shipments and notifications of orders over real MongoDB and Redis: per order (one
 * cached document with an ETag) and per customer (a page), with the order routes' access rules.
 */
const run = uniqueName('qa-parts');
const id = (name: string) => `${run}-${name}`;
let h: QueryApiHarness;

const ALICE = id('alice');
const BOB = id('bob');
const alice1 = id('o-a1');
const alice2 = id('o-a2');
const bob1 = id('o-b1');
const asAlice = fetchAs('customer', ALICE);
const asOperator = fetchAs('operator');

interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'), { aliasTtlMs: 200 });
  await upsertOrder(h.db, orderView(alice1, { customerId: ALICE, updatedAt: '2025-01-01T10:00:00.000Z' }));
  await upsertOrder(h.db, orderView(alice2, { customerId: ALICE, updatedAt: '2025-01-02T10:00:00.000Z' }));
  await upsertOrder(h.db, orderView(bob1, { customerId: BOB }));
  await upsertView(h.db, 'payments', paymentView(alice1, { version: 2 }));
  await upsertView(
    h.db,
    'payments',
    paymentView(alice2, {
      status: 'Declined',
      reason: 'card declined',
      updatedAt: '2025-01-02T10:01:00.000Z',
    }),
  );
  await upsertView(h.db, 'payments', paymentView(bob1));
  await upsertView(h.db, 'shipments', shipmentView(alice1, { version: 3 }));
  await upsertView(h.db, 'shipments', shipmentView(bob1, { status: 'Delivered' }));
  await upsertView(
    h.db,
    'notifications',
    notificationView(alice1, 'order-placed', 'email', { customerId: ALICE }),
  );
  await upsertView(
    h.db,
    'notifications',
    notificationView(alice1, 'order-placed', 'sms', {
      customerId: ALICE,
      status: 'Failed',
      reason: 'bounced',
    }),
  );
  await upsertView(
    h.db,
    'notifications',
    notificationView(alice2, 'order-placed', 'email', { customerId: ALICE }),
  );
  await upsertView(
    h.db,
    'notifications',
    notificationView(bob1, 'order-placed', 'email', { customerId: BOB }),
  );
});
afterAll(() => h?.close());

const url = (path: string) => `${h.url}${path}`;

async function expectProblem(res: Response, status: number, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as { status: number; errors?: { field: string }[] };
  expect(body.status).toBe(status);
  if (field !== undefined) expect(body.errors?.map((e) => e.field)).toContain(field);
}

describe.each([
  ['payments', alice1, 2],
  ['shipments', alice1, 3],
] as const)('GET /api/queries/%s/{orderId}', (view, orderId, version) => {
  const path = () => `/api/queries/${view}/${orderId}`;

  it('serves the document through the cache with an ETag, and 304 to a matching If-None-Match', async () => {
    const first = await fetchAsAdmin(url(path()));
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const etag = `"${view}-${orderId}-v${version}"`;
    expect(first.headers.get('etag')).toBe(etag);
    expect(first.headers.get('cache-control')).toBe('private, max-age=0, must-revalidate');
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ orderId, version });
    expect(body).not.toHaveProperty('_id');
    expect(JSON.parse((await h.redis.get(cacheKey(view, orderId))) as string)).toMatchObject({ version });

    const again = await fetchAsAdmin(url(path()));
    expect(again.headers.get('x-cache')).toBe('hit');
    const notModified = await fetchAsAdmin(url(path()), { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
  });

  it("lets a customer read their own order's, and answers 404 for another customer's", async () => {
    const own = await asAlice(url(path()));
    expect(own.status).toBe(200);
    // The answer depends on who asks, so no shared cache may reuse it for another caller.
    expect(own.headers.get('vary')).toContain('Authorization');
    await expectProblem(await fetchAs('customer', BOB)(url(path())), 404);
  });

  it('answers 404 for an order without one, 400 for a malformed id or an unknown parameter, 401 without a token', async () => {
    await expectProblem(await fetchAsAdmin(url(`/api/queries/${view}/${id('none')}`)), 404);
    await expectProblem(
      await fetchAsAdmin(url(`/api/queries/${view}/${encodeURIComponent('a b')}`)),
      400,
      'orderId',
    );
    await expectProblem(await fetchAsAdmin(url(`${path()}?fields=all`)), 400, 'fields');
    await expectProblem(await fetch(url(path())), 401);
  });
});

describe('a payment view that changes', () => {
  it('is served at its new version once the projection announces the change', async () => {
    const orderId = id('o-change');
    await upsertOrder(h.db, orderView(orderId, { customerId: id('carol') }));
    await upsertView(h.db, 'payments', paymentView(orderId, { version: 1 }));
    expect(await (await fetchAsAdmin(url(`/api/queries/payments/${orderId}`))).json()).toMatchObject({
      version: 1,
    });
    await upsertView(
      h.db,
      'payments',
      paymentView(orderId, { version: 2, status: 'Refunded', refunded: 2500 }),
    );
    await announceChange(h.redis, 'payments', orderId, 2);
    await untilPasses(async () => {
      const res = await fetchAsAdmin(url(`/api/queries/payments/${orderId}`));
      expect(await res.json()).toMatchObject({ version: 2, status: 'Refunded', refunded: 2500 });
    }, 800);
  });
});

describe('GET /api/queries/payments and /shipments', () => {
  it("lists a customer's payments, newest first, through the customer's orders", async () => {
    const res = await asOperator(url(`/api/queries/payments?customerId=${ALICE}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const page = (await res.json()) as Page<{ orderId: string; status: string }>;
    expect(page).toMatchObject({ page: 1, pageSize: 20, total: 2 });
    expect(page.items.map((p) => p.orderId)).toEqual([alice2, alice1]);
    expect(page.items[0]).not.toHaveProperty('_id');
  });

  it('filters by status and pages', async () => {
    const declined = (await (
      await asOperator(url(`/api/queries/payments?customerId=${ALICE}&status=Declined`))
    ).json()) as Page<{ orderId: string; reason?: string }>;
    expect(declined.items).toEqual([expect.objectContaining({ orderId: alice2, reason: 'card declined' })]);
    const second = (await (
      await asOperator(url(`/api/queries/payments?customerId=${ALICE}&page=2&pageSize=1`))
    ).json()) as Page<{ orderId: string }>;
    expect(second).toMatchObject({ page: 2, pageSize: 1, total: 2 });
    expect(second.items.map((p) => p.orderId)).toEqual([alice1]);
  });

  it("gives a customer their own list without asking, and refuses another customer's (403)", async () => {
    const own = (await (await asAlice(url('/api/queries/shipments'))).json()) as Page<{ orderId: string }>;
    expect(own.items.map((s) => s.orderId)).toEqual([alice1]);
    await expectProblem(await asAlice(url(`/api/queries/shipments?customerId=${BOB}`)), 403);
  });

  it('refuses an unknown status, an operator in a value and an unknown parameter (400)', async () => {
    await expectProblem(await asOperator(url('/api/queries/payments?status=Stolen')), 400, 'status');
    await expectProblem(await asOperator(url('/api/queries/shipments?customerId[$ne]=x')), 400);
    await expectProblem(await asOperator(url('/api/queries/shipments?carrier=acme')), 400, 'carrier');
  });
});

describe('GET /api/queries/notifications', () => {
  it('lists the notifications of one order, filtered by channel or status', async () => {
    const all = (await (
      await asOperator(url(`/api/queries/notifications?orderId=${alice1}`))
    ).json()) as Page<{ notificationId: string; channel: string; status: string }>;
    expect(all.items.map((n) => n.channel).sort()).toEqual(['email', 'sms']);
    const failed = (await (
      await asOperator(url(`/api/queries/notifications?orderId=${alice1}&status=Failed`))
    ).json()) as Page<{ channel: string; reason: string }>;
    expect(failed.items).toEqual([expect.objectContaining({ channel: 'sms', reason: 'bounced' })]);
  });

  it("lists a customer's notifications across orders, and only their own", async () => {
    const own = (await (await asAlice(url('/api/queries/notifications?channel=email'))).json()) as Page<{
      orderId: string;
    }>;
    expect(own.items.map((n) => n.orderId).sort()).toEqual([alice1, alice2].sort());
    // Bob's order asked for by Alice: her filter still applies, so nothing of Bob's comes back.
    const probe = (await (
      await asAlice(url(`/api/queries/notifications?orderId=${bob1}`))
    ).json()) as Page<object>;
    expect(probe).toMatchObject({ total: 0, items: [] });
  });

  it('refuses an unknown channel (400)', async () => {
    await expectProblem(await asOperator(url('/api/queries/notifications?channel=pigeon')), 400, 'channel');
  });
});
