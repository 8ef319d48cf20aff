import { publishChanges } from '../lib/read-models/change-publisher';
import type { NotificationView } from '../lib/read-models/views';
import { fetchAs } from '../test/support/auth';
import { uniqueName } from '../test/support/env';
import {
  notificationView,
  orderView,
  startQueryApiHarness,
  upsertOrder,
  upsertView,
  type QueryApiHarness,
} from './testing/harness';
import { untilPasses } from '../test/support/eventually';

jest.setTimeout(30_000);

/**
 * The order view lists the order's notifications with their delivery receipts, over real MongoDB
 * and Redis: cached with the order, and dropped from the cache when a receipt is projected.
 */
const run = uniqueName('qa-order-notes');
const orderId = `${run}-o1`;
const customer = `${run}-carol`;
const asCarol = fetchAs('customer', customer);
let h: QueryApiHarness;

interface Served {
  version: number;
  notifications: { notificationId: string; channel: string; status: string; delivery?: { status: string } }[];
}

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'));
  await upsertOrder(h.db, orderView(orderId, { customerId: customer, version: 4 }));
  await upsertView(
    h.db,
    'notifications',
    notificationView(orderId, 'order-placed', 'email', {
      customerId: customer,
      updatedAt: '2025-01-01T10:01:00.000Z',
    }),
  );
  await upsertView(
    h.db,
    'notifications',
    notificationView(orderId, 'order-placed', 'sms', {
      customerId: customer,
      status: 'Failed',
      reason: 'provider down',
      attempts: 2,
      version: 2,
      updatedAt: '2025-01-01T10:02:00.000Z',
    }),
  );
});

afterAll(async () => {
  await h?.close();
});

const get = async (headers: Record<string, string> = {}) =>
  asCarol(`${h.url}/api/queries/orders/${orderId}`, { headers });

describe('GET /api/queries/orders/{id} with notifications', () => {
  it('shows each notification of the order, oldest first, and a receipt once it is projected', async () => {
    const first = await get();
    expect(first.status).toBe(200);
    const body = (await first.json()) as Served;
    expect(body.version).toBe(4);
    expect(body.notifications.map((n) => [n.channel, n.status, n.delivery])).toEqual([
      ['email', 'Sent', undefined],
      ['sms', 'Failed', undefined],
    ]);
    const etag = first.headers.get('etag') as string;
    // The order's version, then the notifications' versions added up (1 + 2).
    expect(etag).toBe(`"orders-${orderId}-v4.3"`);
    expect((await get({ 'If-None-Match': etag })).status).toBe(304);

    // The provider's receipt, as the notification projection writes and announces it.
    const email = notificationView(orderId, 'order-placed', 'email', {
      customerId: customer,
      version: 2,
      delivery: { status: 'bounced', at: '2025-01-01T10:05:00.000Z', reason: 'mailbox unavailable' },
      updatedAt: '2025-01-01T10:05:00.000Z',
    });
    await upsertView<NotificationView>(h.db, 'notifications', email);
    await publishChanges(h.redis, 'notifications', [email]);

    await untilPasses(async () => {
      const after = await get({ 'If-None-Match': etag });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).toBe(`"orders-${orderId}-v4.4"`);
      const served = (await after.json()) as Served;
      expect(served.notifications.find((n) => n.channel === 'email')?.delivery).toEqual({
        status: 'bounced',
        at: '2025-01-01T10:05:00.000Z',
        reason: 'mailbox unavailable',
      });
    });
  });

  it("shows another customer's order, notifications included, as not found", async () => {
    expect((await fetchAs('customer', `${run}-dave`)(`${h.url}/api/queries/orders/${orderId}`)).status).toBe(
      404,
    );
  });
});
