import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  describe('delivery receipts', () => {
    /** A webhook on loopback that answers from a script, then 200, and keeps what it was sent. */
    const webhook = async (script: number[] = []) => {
      const calls: { path: string; headers: Record<string, string | undefined>; body: unknown }[] = [];
      const server = createServer((req, res) => {
        let text = '';
        req.on('data', (chunk: Buffer) => (text += chunk.toString()));
        req.on('end', () => {
          calls.push({
            path: req.url ?? '',
            headers: { key: req.headers['idempotency-key'] as string, auth: req.headers.authorization },
            body: JSON.parse(text) as unknown,
          });
          res.statusCode = script.shift() ?? 200;
          res.end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return { calls, url: `http://127.0.0.1:${port}/receipts/{reference}`, close: () => server.close() };
    };
    const receipts = (urlTemplate: string, attempts = 5) => ({
      urlTemplate,
      token: 'service-token',
      afterMs: 0,
      attempts,
      retryBaseMs: 5,
    });
    /** Waits until every message with a receipt is reported or given up; the messages then. */
    const settled = async (providers: RunningSimulator) => {
      for (;;) {
        const items = (await providers.get('/admin/messages')).body.items as {
          reference?: string;
          receipt?: { webhook: string; attempts: number; status: string };
        }[];
        if (items.every((m) => m.receipt === undefined || m.receipt.webhook !== 'pending')) return items;
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    it('reports delivered to the webhook for a referenced message, retrying 503 and 409, once per message', async () => {
      const hook = await webhook([503, 409]);
      try {
        const providers = await start({ receipts: receipts(hook.url) });
        const message = {
          to: 'ada@example.com',
          body: 'Thanks',
          orderId: 'o-1',
          reference: 'o-1:OrderPlaced:email',
        };
        await providers.post('/email', message, key('e-1'));
        // A replayed send is the same message: no second receipt.
        await providers.post('/email', message, key('e-1'));
        await providers.post('/email', { to: 'ada@example.com', body: 'no reference' }, key('e-2'));
        const items = await settled(providers);
        expect(items[0]?.receipt).toEqual({ status: 'delivered', webhook: 'reported', attempts: 3 });
        expect(items[1]?.receipt).toBeUndefined();
        expect(hook.calls).toHaveLength(3);
        const [first, , last] = hook.calls;
        expect(last?.path).toBe('/receipts/o-1%3AOrderPlaced%3Aemail');
        expect(last?.headers).toEqual({ key: first?.headers.key, auth: 'Bearer service-token' });
        expect(last?.body).toEqual({ status: 'delivered', at: expect.any(String) });
      } finally {
        hook.close();
      }
    });

    it('reports bounced and failed by the knobs, and gives up on a refusal or after the last attempt', async () => {
      const hook = await webhook([400, 500, 500]);
      try {
        const providers = await start({ receipts: receipts(hook.url, 2), failures: { bounceRate: 1 } });
        // One after the other, so the script's answers go to the messages in this order.
        await providers.post('/sms', { to: '+41', body: 'x', reference: 'n-1' }, key('s-1'));
        await settled(providers);
        await providers.post('/sms', { to: '+41', body: 'y', reference: 'n-2' }, key('s-2'));
        const items = await settled(providers);
        expect(items.map((m) => m.receipt)).toEqual([
          expect.objectContaining({ status: 'bounced', webhook: 'given-up', attempts: 1 }),
          expect.objectContaining({ status: 'bounced', webhook: 'given-up', attempts: 2 }),
        ]);
        expect(hook.calls[0]?.body).toEqual({
          status: 'bounced',
          at: expect.any(String),
          reason: 'mailbox unavailable',
        });

        await providers.post('/admin/failures', { undeliverableRate: 1 });
        await providers.post('/push', { to: 'd', body: 'z', reference: 'n-3' }, key('p-1'));
        expect((await settled(providers))[2]?.receipt).toEqual({
          status: 'failed',
          webhook: 'reported',
          attempts: 1,
        });
      } finally {
        hook.close();
      }
    });
  });
});
