import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { fetchAs, testAuth } from '../support/auth';
import { testEndpoints } from '../support/env';
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

  beforeAll(async () => {
    h = await sagaHarness();
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
   * Runs an order of the customer to its end and waits for its completion notice on every one of
   * `expected`; answers the channels each notice of the order (placed, paid, shipped, completed)
   * went to, so a channel that should not have been used shows up however late it comes.
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
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${h.simulators.notifications.url}/admin/messages?orderId=${orderId}`);
      const { items } = (await res.json()) as { items: { channel: string; subject?: string }[] };
      const bySubject = new Map<string, string[]>();
      for (const m of items)
        bySubject.set(m.subject ?? '', [...(bySubject.get(m.subject ?? '') ?? []), m.channel]);
      const completed =
        [...bySubject.entries()].find(([subject]) => subject.includes('was delivered'))?.[1] ?? [];
      if (expected.every((c) => completed.includes(c)) || Date.now() > deadline) {
        // The first notice (placed) may be decided before the saga has read a choice made a
        // moment earlier (preferences-follower.ts); every later one must follow it.
        return [...bySubject.entries()]
          .filter(([subject]) => !subject.startsWith('We received your order'))
          .map(([, channels]) => channels.sort());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** Every notice of the order went to exactly `expected` (sorted). */
  const expectNotices = async (customerId: string, expected: string[]) => {
    const notices = await noticeChannels(customerId, expected);
    expect(notices.length).toBeGreaterThanOrEqual(1);
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
});
