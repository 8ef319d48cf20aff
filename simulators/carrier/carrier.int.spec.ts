import { deterministicDraw } from '../shared/failure-knobs';
import { startSimulator, type RunningSimulator } from '../shared/simulator-testing';
import { createCarrierSimulator, type CarrierSimulatorOptions } from './carrier-simulator';
import { trackingAt } from './tracking';

let sim: RunningSimulator | undefined;
const start = async (options: CarrierSimulatorOptions = {}) => {
  sim = await startSimulator(createCarrierSimulator(options));
  return sim;
};
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const key = (name: string) => ({ 'Idempotency-Key': name });
const shipment = { orderId: 'order-1', items: [{ sku: 'SKU-1', quantity: 2 }] };

describe('trackingAt', () => {
  it('moves through the statuses in equal steps and stays Delivered', () => {
    expect(trackingAt(0, 3000, 0).status).toBe('Created');
    expect(trackingAt(0, 3000, 999).status).toBe('Created');
    expect(trackingAt(0, 3000, 1000).status).toBe('InTransit');
    expect(trackingAt(0, 3000, 2000).status).toBe('OutForDelivery');
    const delivered = trackingAt(0, 3000, 3000);
    expect(delivered.status).toBe('Delivered');
    expect(delivered.history.map((h) => h.at)).toEqual(
      [0, 1000, 2000, 3000].map((ms) => new Date(ms).toISOString()),
    );
    expect(trackingAt(0, 0, 0).status).toBe('Delivered');
  });
});

describe('carrier simulator', () => {
  it('creates a shipment whose tracking advances with the (fake) clock until Delivered', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const carrier = await start({ now: () => now });
    const created = await carrier.post('/shipments', shipment, key('s-1'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      shipmentId: expect.stringMatching(/^shp_/),
      carrier: 'SimExpress',
      trackingNumber: expect.stringMatching(/^SIM\d{10}$/),
      labelUrl: expect.stringContaining(`${carrier.url}/labels/`),
    });
    const track = async () =>
      (await carrier.get(`/shipments/${created.body.shipmentId as string}/tracking`)).body;

    const seen: unknown[] = [];
    for (let step = 0; step < 4; step++) {
      seen.push((await track()).status);
      now += 1000;
    }
    expect(seen).toEqual(['Created', 'InTransit', 'OutForDelivery', 'Delivered']);
    expect(((await track()).history as unknown[]).length).toBe(4);

    const label = await fetch(created.body.labelUrl as string);
    expect(label.headers.get('content-type')).toBe('application/pdf');
  });

  it('takes deliveryAfterMs from the admin API for shipments created afterwards', async () => {
    let now = 0;
    const carrier = await start({ now: () => now });
    expect((await carrier.get('/admin/config')).body).toEqual({ deliveryAfterMs: 3000 });
    const before = await carrier.post('/shipments', shipment, key('s-1'));
    expect((await carrier.post('/admin/config', { deliveryAfterMs: 10 })).body).toEqual({
      deliveryAfterMs: 10,
    });
    const after = await carrier.post('/shipments', { ...shipment, orderId: 'order-2' }, key('s-2'));
    now = 10;
    expect((await carrier.get(`/shipments/${after.body.shipmentId as string}/tracking`)).body.status).toBe(
      'Delivered',
    );
    expect((await carrier.get(`/shipments/${before.body.shipmentId as string}/tracking`)).body.status).toBe(
      'Created',
    );
    expect((await carrier.get('/admin/shipments?orderId=order-2')).body.items).toEqual([
      expect.objectContaining({ orderId: 'order-2', status: 'Delivered' }),
    ]);
  });

  it('replays an Idempotency-Key, refuses its reuse with 422, and requires it', async () => {
    const carrier = await start();
    const first = await carrier.post('/shipments', shipment, key('s-1'));
    const again = await carrier.post('/shipments', shipment, key('s-1'));
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect((await carrier.post('/shipments', { ...shipment, orderId: 'x' }, key('s-1'))).status).toBe(422);
    expect((await carrier.post('/shipments', shipment)).status).toBe(400);
    expect((await carrier.get('/admin/shipments')).body.items).toHaveLength(1);
  });

  it('rejects shipments deterministically per order at rejectRate, and 404s unknown tracking', async () => {
    const carrier = await start();
    await carrier.post('/admin/failures', { rejectRate: 0.5 });
    const ids = Array.from({ length: 50 }, (_, i) => `order-${i}`);
    const rejectedId = ids.find((id) => deterministicDraw(id) < 0.5) as string;
    const acceptedId = ids.find((id) => deterministicDraw(id) >= 0.5) as string;
    for (const attempt of [1, 2]) {
      const rejected = await carrier.post(
        '/shipments',
        { ...shipment, orderId: rejectedId },
        key(`r-${attempt}`),
      );
      expect(rejected.status).toBe(422);
      expect(rejected.body).toMatchObject({ outcome: 'rejected', reason: 'address_not_serviceable' });
    }
    expect((await carrier.post('/shipments', { ...shipment, orderId: acceptedId }, key('a-1'))).status).toBe(
      201,
    );
    expect((await carrier.get('/shipments/shp_nope/tracking')).status).toBe(404);
  });

  it('fails tracking reads too at errorRate, so pollers meet outages', async () => {
    const carrier = await start();
    const created = await carrier.post('/shipments', shipment, key('s-1'));
    await carrier.post('/admin/failures', { errorRate: 1 });
    expect((await carrier.get(`/shipments/${created.body.shipmentId as string}/tracking`)).status).toBe(503);
    expect((await carrier.post('/admin/failures', { declineRate: 1 })).status).toBe(400);
  });
});
