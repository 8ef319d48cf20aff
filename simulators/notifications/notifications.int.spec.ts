import { startSimulator, type RunningSimulator } from '../shared/simulator-testing';
import { createNotificationSimulator, type NotificationSimulatorOptions } from './notification-simulator';

let sim: RunningSimulator | undefined;
const start = async (options: NotificationSimulatorOptions = {}) => {
  sim = await startSimulator(createNotificationSimulator(options));
  return sim;
};
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const key = (name: string) => ({ 'Idempotency-Key': name });

describe('notification simulator', () => {
  it('accepts email, sms and push with 202 and lists what an order was sent', async () => {
    const providers = await start();
    const email = await providers.post(
      '/email',
      { to: 'ada@example.com', subject: 'Order placed', body: 'Thanks', orderId: 'o-1' },
      key('e-1'),
    );
    expect(email.status).toBe(202);
    expect(email.body).toMatchObject({ messageId: expect.stringMatching(/^msg_/), channel: 'email' });
    expect(
      (await providers.post('/sms', { to: '+441234', body: 'Shipped', orderId: 'o-1' }, key('s-1'))).status,
    ).toBe(202);
    expect(
      (await providers.post('/push', { to: 'device-9', body: 'Hi', orderId: 'o-2' }, key('p-1'))).status,
    ).toBe(202);

    const forOrder = await providers.get('/admin/messages?orderId=o-1');
    expect((forOrder.body.items as { channel: string }[]).map((m) => m.channel)).toEqual(['email', 'sms']);
    expect((await providers.get('/admin/messages?channel=push')).body.items).toHaveLength(1);
    expect((await providers.get('/admin/messages?channel=fax')).status).toBe(400);
  });

  it('delivers once per Idempotency-Key, refuses reuse with 422, requires the key', async () => {
    const providers = await start();
    const message = { to: 'ada@example.com', body: 'Thanks', orderId: 'o-1' };
    const first = await providers.post('/email', message, key('e-1'));
    const again = await providers.post('/email', message, key('e-1'));
    expect(again.body.messageId).toBe(first.body.messageId);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    // Same key on another channel is another request.
    expect((await providers.post('/sms', message, key('e-1'))).status).toBe(422);
    expect((await providers.post('/email', message)).status).toBe(400);
    expect((await providers.get('/admin/messages?orderId=o-1')).body.items).toHaveLength(1);
  });

  it('keeps at most `capacity` messages and fails at errorRate', async () => {
    const providers = await start({ capacity: 2 });
    for (const n of [1, 2, 3]) await providers.post('/push', { to: 'd', body: `m${n}` }, key(`p-${n}`));
    expect((await providers.get('/admin/messages')).body.items).toEqual([
      expect.objectContaining({ body: 'm2' }),
      expect.objectContaining({ body: 'm3' }),
    ]);
    await providers.post('/admin/failures', { errorRate: 1 });
    expect((await providers.post('/push', { to: 'd', body: 'x' }, key('p-9'))).status).toBe(503);
  });
});
