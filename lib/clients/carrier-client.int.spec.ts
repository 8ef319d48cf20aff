import { createCarrierSimulator } from '../../simulators/carrier/carrier-simulator';
import { startSimulator, type RunningSimulator } from '../../simulators/shared/simulator-testing';
import { startTestApp, type TestApp } from '../http/testing';
import { createCarrierClient, type CarrierClient } from './carrier-client';

let kit: TestApp;
let carrier: RunningSimulator;
let client: CarrierClient;
let now = Date.parse('2026-03-01T12:00:00Z');

beforeEach(async () => {
  kit = await startTestApp({ service: 'saga-test' });
  carrier = await startSimulator(createCarrierSimulator({ now: () => now, deliveryAfterMs: 3000 }));
  client = createCarrierClient({
    baseUrl: carrier.url,
    retries: 2,
    metrics: kit.metrics,
    resilience: kit.resilience,
    logger: kit.logger,
    sleep: async () => undefined,
  });
});
afterEach(async () => {
  client.close();
  await Promise.all([kit.close(), carrier.close()]);
});

const shipment = { orderId: 'order-7', items: [{ sku: 'SKU-1', quantity: 1 }] };

describe('createCarrierClient', () => {
  it('creates a shipment once per key and polls tracking until Delivered', async () => {
    const created = await client.createShipment(shipment, { idempotencyKey: 'ship-order-7' });
    if (created.status !== 'created') throw new Error(`expected a shipment, got ${created.status}`);
    expect(created).toMatchObject({ carrier: 'SimExpress', trackingNumber: expect.stringMatching(/^SIM/) });
    expect(await client.createShipment(shipment, { idempotencyKey: 'ship-order-7' })).toEqual({
      ...created,
      replayed: true,
    });

    const statuses: string[] = [];
    for (let poll = 0; poll < 10; poll++) {
      const tracking = await client.tracking(created.shipmentId);
      statuses.push(tracking.status);
      if (tracking.status === 'Delivered') {
        expect(tracking.history.map((h) => h.status)).toEqual([
          'Created',
          'InTransit',
          'OutForDelivery',
          'Delivered',
        ]);
        break;
      }
      now += 1000;
    }
    expect(statuses).toEqual(['Created', 'InTransit', 'OutForDelivery', 'Delivered']);
  });

  it('returns a carrier refusal as a result and an unknown shipment as a non-retriable error', async () => {
    await carrier.post('/admin/failures', { rejectRate: 1 });
    expect(await client.createShipment(shipment, { idempotencyKey: 'k' })).toEqual({
      status: 'rejected',
      reason: 'address_not_serviceable',
    });
    await expect(client.tracking('shp_missing')).rejects.toMatchObject({
      failure: 'rejected',
      retriable: false,
      details: expect.objectContaining({ status: 404 }),
    });
  });

  it('retries tracking reads through an outage', async () => {
    const created = await client.createShipment(shipment, { idempotencyKey: 'k2' });
    if (created.status !== 'created') throw new Error('expected a shipment');
    await carrier.post('/admin/failures', { errorRate: 1 });
    await expect(client.tracking(created.shipmentId)).rejects.toMatchObject({
      failure: 'unavailable',
      details: expect.objectContaining({ attempts: 3, status: 503 }),
    });
  });
});
