import { createNotificationSimulator } from '../../simulators/notifications/notification-simulator';
import {
  scriptedRandom,
  startSimulator,
  type RunningSimulator,
} from '../../simulators/shared/simulator-testing';
import { startTestApp, type TestApp } from '../http/testing';
import { createCarrierClient } from './carrier-client';
import { createNotificationClient, type NotificationClient } from './notification-client';

let kit: TestApp;
let providers: RunningSimulator;
let client: NotificationClient;

beforeEach(async () => {
  kit = await startTestApp({ service: 'saga-test' });
  // The first request of the test fails once (503); everything after succeeds.
  providers = await startSimulator(
    createNotificationSimulator({ failures: { errorRate: 0.5 }, random: scriptedRandom([0.1]) }),
  );
  client = createNotificationClient({
    baseUrl: providers.url,
    metrics: kit.metrics,
    resilience: kit.resilience,
    logger: kit.logger,
    sleep: async () => undefined,
  });
});
afterEach(async () => {
  client.close();
  await Promise.all([kit.close(), providers.close()]);
});

describe('createNotificationClient', () => {
  it('sends on each channel through a transient failure, once per key', async () => {
    const email = await client.send(
      'email',
      { to: 'ada@example.com', subject: 'Order placed', body: 'Thanks', orderId: 'o-1' },
      { idempotencyKey: 'o-1:placed:email' },
    );
    expect(email).toEqual({ status: 'accepted', messageId: expect.stringMatching(/^msg_/), replayed: false });
    await client.send(
      'sms',
      { to: '+4412', body: 'Shipped', orderId: 'o-1' },
      { idempotencyKey: 'o-1:shipped:sms' },
    );
    await client.send(
      'push',
      { to: 'dev-1', body: 'Shipped', orderId: 'o-1' },
      { idempotencyKey: 'o-1:shipped:push' },
    );
    const again = await client.send(
      'email',
      { to: 'ada@example.com', subject: 'Order placed', body: 'Thanks', orderId: 'o-1' },
      { idempotencyKey: 'o-1:placed:email' },
    );
    expect(again).toEqual({ ...email, replayed: true });

    const listed = (await providers.get('/admin/messages?orderId=o-1')).body.items as { channel: string }[];
    expect(listed.map((m) => m.channel)).toEqual(['email', 'sms', 'push']);
    expect(await kit.metrics.registry.metrics()).toContain(
      'orderstream_retries_total{dependency="notifications",service="saga-test"} 1',
    );
  });

  it('reports an invalid message as a non-retriable rejection', async () => {
    await providers.post('/admin/failures', {});
    await expect(client.send('sms', { to: '', body: 'x' }, { idempotencyKey: 'k' })).rejects.toMatchObject({
      failure: 'rejected',
      retriable: false,
      details: expect.objectContaining({ status: 400 }),
    });
  });

  it('reports the bulkhead of every client when several share one registry', async () => {
    const carrier = createCarrierClient({
      baseUrl: providers.url,
      metrics: kit.metrics,
      resilience: kit.resilience,
      logger: kit.logger,
    });
    try {
      const text = await kit.metrics.registry.metrics();
      expect(text).toContain('orderstream_bulkhead_calls{dependency="notifications",state="active"');
      expect(text).toContain('orderstream_bulkhead_calls{dependency="carrier",state="queued"');
      expect(kit.resilience.list().map((b) => b.name)).toEqual(['notifications', 'carrier']);
    } finally {
      carrier.close();
    }
  });
});
