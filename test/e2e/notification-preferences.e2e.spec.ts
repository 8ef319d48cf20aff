import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { fetchAs, testAuth } from '../support/auth';
import { testEndpoints } from '../support/env';
import { followEvents } from '../../lib/adapters/kafka/event-follower';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';

jest.setTimeout(180_000);

/**
 * Notification preferences end to end: customers choose over HTTP, the preferences processor
 * records it, and the saga notifies each order on the customer's channels, holding SMS and push
 * back in their quiet hours; the notification provider (a real process) says what it was sent.
 */
describe('notifications follow what each customer chose', () => {
  let h: SagaHarness;
  let redis: Redis;
  let api: CommandApi;
  let server: HttpServerHandle;
  const sku = `PREF-${randomUUID().slice(0, 8)}`;
  /** Ids of every notification sent, from notifications.events. */
  const sent = new Set<string>();
  let follower: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    h = await sagaHarness();
    follower = await followEvents({
      kafka: h.kafka,
      topic: h.topics.events('notifications'),
      // The id and type are in the headers; the payload is not needed here.
      decode: async (type) => ({ type, data: undefined }),
      onEvent: ({ aggregateId, type }) => {
        if (type === 'NotificationSent') sent.add(aggregateId);
      },
    });
    redis = createRedis(testEndpoints().redisUrl, 'preferences-e2e');
    api = await createCommandApi({
      verifier: (await testAuth()).verifier,
      kafka: h.kafka,
      redis,
      topics: h.topics,
      replyTimeoutMs: 20_000,
      logger: pino({ level: 'silent' }),
    });
    server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
    api.health.markStarted();
    await h.inventory({
      type: 'RegisterProduct',
      sku,
      name: 'Kettle',
      price: 2_000,
      category: 'kitchen',
      initialStock: 50,
      lowStockThreshold: 0,
    });
  });

  afterAll(async () => {
    await server?.close();
    await api?.stop();
    await redis?.quit();
    await follower?.stop();
    await h?.close();
  });

  const choose = async (customerId: string, body: unknown) => {
    const res = await fetchAs('customer', customerId)(
      `${server.url}/api/commands/customers/${customerId}/notification-preferences`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /**
   * Runs an order of the customer to its end and waits until its completion notice was sent on
   * every one of `expected` (from notifications.events: ids are `<orderId>:<trigger>:<channel>`);
   * answers the channels of each notice of the order, so a channel that should not have been used
   * shows up however late it comes.
   */
  const noticeChannels = async (customerId: string, expected: string[]): Promise<string[][]> => {
    const orderId = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId,
      currency: 'EUR',
      items: [{ sku, quantity: 1, unitPrice: 2_000 }],
    });
    await h.order({ type: 'PlaceOrder', orderId });
    expect((await h.waitForStatus(orderId, ['Completed', 'Cancelled'])).status).toBe('Completed');
    const byTrigger = () => {
      const channels = new Map<string, string[]>();
      for (const id of sent) {
        const [order, trigger, channel] = id.split(':');
        if (order === orderId)
          channels.set(trigger ?? '', [...(channels.get(trigger ?? '') ?? []), channel ?? '']);
      }
      return channels;
    };
    const deadline = Date.now() + 30_000;
    while (!expected.every((c) => byTrigger().get('OrderCompleted')?.includes(c)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // The first notice (placed) may be decided before the saga has read a choice made a moment
    // earlier (preferences-follower.ts); every later one must follow it.
    return [...byTrigger().entries()]
      .filter(([trigger]) => trigger !== 'OrderPlaced')
      .map(([, channels]) => channels.sort());
  };

  /** Every notice of the order went to exactly `expected` (sorted). */
  const expectNotices = async (customerId: string, expected: string[]) => {
    const notices = await noticeChannels(customerId, expected);
    // Paid, shipped and completed.
    expect(notices).toHaveLength(3);
    for (const channels of notices) expect(channels).toEqual(expected);
  };

  it('notifies a customer who never chose by email only', async () => {
    await expectNotices(`c-default-${randomUUID().slice(0, 6)}`, ['email']);
  });

  it("notifies on the customer's chosen channels only", async () => {
    const customer = `c-chose-${randomUUID().slice(0, 6)}`;
    expect(await choose(customer, { channels: ['sms', 'push'], locale: 'de-CH' })).toMatchObject({
      status: 200,
      body: { customerId: customer, version: 1 },
    });
    await expectNotices(customer, ['push', 'sms']);
  });

  it('holds SMS back during quiet hours, and refuses another customer or a bad choice', async () => {
    const customer = `c-quiet-${randomUUID().slice(0, 6)}`;
    const hhmm = (offsetHours: number) =>
      new Date(Date.now() + offsetHours * 3_600_000).toISOString().slice(11, 16);
    const quiet = { start: hhmm(-1), end: hhmm(1), timeZone: 'UTC' };
    expect(await choose(customer, { channels: ['email', 'sms'], quietHours: quiet })).toMatchObject({
      status: 200,
    });
    await expectNotices(customer, ['email']);

    const forbidden = await fetchAs('customer', 'someone-else')(
      `${server.url}/api/commands/customers/${customer}/notification-preferences`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"channels":[]}' },
    );
    expect(forbidden.status).toBe(403);
    const unknownZone = await choose(customer, {
      channels: ['sms'],
      quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus' },
    });
    expect(unknownZone.status).toBe(400);
    expect(unknownZone.body.errors).toEqual([expect.objectContaining({ field: 'quietHours.timeZone' })]);
    expect((await choose(customer, { channels: ['fax'] })).status).toBe(400);
  });

  it('alerts the operators by email when an order takes a product below its low-stock threshold', async () => {
    const scarce = `LOW-${randomUUID().slice(0, 8)}`;
    await h.inventory({
      type: 'RegisterProduct',
      sku: scarce,
      name: 'Teapot',
      price: 1_500,
      category: 'kitchen',
      initialStock: 3,
      lowStockThreshold: 2,
    });
    const orderId = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId: `c-low-${orderId.slice(0, 6)}`,
      currency: 'EUR',
      items: [{ sku: scarce, quantity: 2, unitPrice: 1_500 }],
    });
    await h.order({ type: 'PlaceOrder', orderId });
    expect((await h.waitForStatus(orderId, ['Completed', 'Cancelled'])).status).toBe('Completed');
    const deadline = Date.now() + 30_000;
    let alerts: { to: string; channel: string; subject?: string; body: string }[] = [];
    while (alerts.length === 0 && Date.now() < deadline) {
      const res = await fetch(
        `${h.simulators.notifications.url}/admin/messages?orderId=${encodeURIComponent(`stock:${scarce}`)}`,
      );
      alerts = ((await res.json()) as { items: typeof alerts }).items;
      if (alerts.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alerts).toEqual([
      expect.objectContaining({ to: 'operators', channel: 'email', subject: `Low stock: ${scarce}` }),
    ]);
    expect(alerts[0]?.body).toContain('Only 1 unit(s)');
  });

  it("records a provider's delivery receipt for a sent notification, once", async () => {
    const orderId = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId: `c-receipt-${orderId.slice(0, 6)}`,
      currency: 'EUR',
      items: [{ sku, quantity: 1, unitPrice: 2_000 }],
    });
    await h.order({ type: 'PlaceOrder', orderId });
    expect((await h.waitForStatus(orderId, ['Completed', 'Cancelled'])).status).toBe('Completed');
    const operator = fetchAs('operator', 'provider-webhook');
    const receipt = (notificationId: string, body: unknown) =>
      operator(`${server.url}/api/commands/notifications/${notificationId}/receipt`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const placedNotice = `${orderId}:OrderPlaced:email`;
    const bounced = { status: 'bounced', at: new Date().toISOString(), reason: 'mailbox unknown' };
    const first = await receipt(placedNotice, bounced);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ notificationId: placedNotice, version: 2 });
    // The same receipt again (a provider retrying its webhook) records nothing new.
    expect(await (await receipt(placedNotice, bounced)).json()).toEqual({
      notificationId: placedNotice,
      version: 2,
    });
    // A notification that was never sent has no receipt to take; a malformed one is refused.
    expect((await receipt(`${orderId}:OrderPlaced:push`, bounced)).status).toBe(409);
    expect((await receipt(placedNotice, { status: 'lost', at: 'yesterday' })).status).toBe(400);
    const customer = await fetchAs('customer', 'c-1')(
      `${server.url}/api/commands/notifications/${placedNotice}/receipt`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bounced) },
    );
    expect(customer.status).toBe(403);
  });
});
