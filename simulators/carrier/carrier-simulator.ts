import { randomInt, randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { NotFoundError } from '../../lib/errors';
import { readJsonBody } from '../../lib/http/json-body';
import { compileQueryValidator } from '../../lib/http/query-validation';
import { compileValidator } from '../../lib/validation';
import { deterministicDraw } from '../shared/failure-knobs';
import { createIdempotencyStore, requireIdempotencyKey } from '../shared/idempotency';
import { problemBody, type SimulatorResponse } from '../shared/problem-response';
import { createSimulatorApp, type SimulatorOptions } from '../shared/simulator-app';
import { trackingAt } from './tracking';

export const CARRIER_SERVICE = 'carrier-simulator';
export const CARRIER_DEFAULT_PORT = 8092;
export const CARRIER_NAME = 'SimExpress';

export interface ShipmentRequest {
  orderId: string;
  items: { sku: string; quantity: number }[];
  address?: Record<string, unknown>;
}

export interface Shipment {
  shipmentId: string;
  orderId: string;
  carrier: string;
  trackingNumber: string;
  labelUrl: string;
  createdAtMs: number;
  /** Fixed at creation, so changing the setting later does not rewrite a parcel's history. */
  deliveryAfterMs: number;
  /** When the label was voided: the parcel stops where it was and is never delivered. */
  voidedAtMs?: number;
}

export type CarrierSimulatorOptions = SimulatorOptions<'rejectRate'> & {
  /** Fake clock for tracking progression. */
  now?: () => number;
  /** Time from creation to Delivered (default 3000 ms); `POST /admin/config` changes it. */
  deliveryAfterMs?: number;
};

const shipmentBody = compileValidator<ShipmentRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'items'],
  properties: {
    orderId: { type: 'string', minLength: 1, maxLength: 200 },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity'],
        properties: {
          sku: { type: 'string', minLength: 1, maxLength: 100 },
          quantity: { type: 'integer', minimum: 1 },
        },
      },
    },
    // Free-form: the order carries no address schema yet, and a carrier double should not invent one.
    address: { type: 'object' },
  },
});
const configBody = compileValidator<{ deliveryAfterMs: number }>({
  type: 'object',
  additionalProperties: false,
  required: ['deliveryAfterMs'],
  properties: { deliveryAfterMs: { type: 'integer', minimum: 0, maximum: 86_400_000 } },
});
const shipmentsQuery = compileQueryValidator<{ orderId?: string }>({
  type: 'object',
  properties: { orderId: { type: 'string', minLength: 1 } },
});

/**
 * Carrier double: creates shipments under an Idempotency-Key and reports tracking that advances
 * with time (Created → InTransit → OutForDelivery → Delivered), so a poller sees the delivery.
 * `rejectRate` refuses shipments deterministically per order (422, address not serviceable).
 */
export function createCarrierSimulator(options: CarrierSimulatorOptions = {}): Koa {
  const now = options.now ?? Date.now;
  let deliveryAfterMs = options.deliveryAfterMs ?? 3000;
  const shipments = new Map<string, Shipment>();
  const idempotency = createIdempotencyStore();

  return createSimulatorApp({
    service: CARRIER_SERVICE,
    businessRates: ['rejectRate'] as const,
    options,
    state: () => ({ shipments: shipments.size, deliveryAfterMs }),
    routes: ({ knobs, outages, logger }) => {
      const create = (origin: string, { orderId, items }: ShipmentRequest): SimulatorResponse => {
        if (deterministicDraw(orderId) < knobs.get().rejectRate) {
          logger.info({ orderId }, 'shipment rejected');
          return {
            status: 422,
            body: problemBody(
              422,
              'SHIPMENT_REJECTED',
              `shipment for ${orderId} rejected: address not serviceable`,
              {
                outcome: 'rejected',
                reason: 'address_not_serviceable',
              },
            ),
            final: true,
          };
        }
        const shipmentId = `shp_${randomUUID()}`;
        const shipment: Shipment = {
          shipmentId,
          orderId,
          carrier: CARRIER_NAME,
          trackingNumber: `SIM${String(randomInt(0, 1e10)).padStart(10, '0')}`,
          labelUrl: `${origin}/labels/${shipmentId}.pdf`,
          createdAtMs: now(),
          deliveryAfterMs,
        };
        shipments.set(shipmentId, shipment);
        logger.info({ orderId, shipmentId, items: items.length }, 'shipment created');
        return { status: 201, body: publicShipment(shipment), final: true };
      };

      // A voided parcel's tracking stops at the void.
      const trackingOf = (s: Shipment) => ({
        ...trackingAt(s.createdAtMs, s.deliveryAfterMs, Math.min(now(), s.voidedAtMs ?? Infinity)),
        voided: s.voidedAtMs !== undefined,
      });

      const find = (id: string): Shipment => {
        const shipment = shipments.get(id);
        if (!shipment) throw new NotFoundError(`no shipment ${id}`);
        return shipment;
      };

      /** Voids a label; a delivered parcel cannot be stopped any more (409, not stored). */
      const voidLabel = (shipment: Shipment): SimulatorResponse => {
        const { status } = trackingOf(shipment);
        if (shipment.voidedAtMs === undefined && status === 'Delivered') {
          return {
            status: 409,
            body: problemBody(
              409,
              'SHIPMENT_DELIVERED',
              `shipment ${shipment.shipmentId} is already delivered`,
            ),
            final: false,
          };
        }
        shipment.voidedAtMs ??= now();
        logger.info({ orderId: shipment.orderId, shipmentId: shipment.shipmentId }, 'label voided');
        return {
          status: 200,
          body: {
            shipmentId: shipment.shipmentId,
            orderId: shipment.orderId,
            status: 'Voided',
            voidedAt: new Date(shipment.voidedAtMs).toISOString(),
          },
          final: true,
        };
      };

      const router = new Router();
      router.post('/shipments', outages, async (ctx) => {
        const key = requireIdempotencyKey(ctx);
        const request = shipmentBody.validate(await readJsonBody(ctx));
        idempotency.respond(ctx, key, request, () => create(`${ctx.protocol}://${ctx.host}`, request));
      });
      router.post('/shipments/:id/void', outages, async (ctx) => {
        const key = requireIdempotencyKey(ctx);
        const shipment = find(ctx.params.id as string);
        const body = (await readJsonBody(ctx)) ?? {};
        idempotency.respond(ctx, key, body, () => voidLabel(shipment));
      });
      router.get('/shipments/:id/tracking', outages, (ctx) => {
        const shipment = find(ctx.params.id as string);
        const { shipmentId, orderId, trackingNumber } = shipment;
        ctx.body = { shipmentId, orderId, trackingNumber, ...trackingOf(shipment) };
      });
      router.get('/labels/:file', (ctx) => {
        const shipment = find((ctx.params.file as string).replace(/\.pdf$/, ''));
        ctx.type = 'application/pdf';
        ctx.body = `%PDF-1.4\n% shipping label ${shipment.trackingNumber} for order ${shipment.orderId}\n%%EOF\n`;
      });

      const admin = new Router();
      admin.get('/admin/config', (ctx) => {
        ctx.body = { deliveryAfterMs };
      });
      admin.post('/admin/config', async (ctx) => {
        deliveryAfterMs = configBody.validate(await readJsonBody(ctx)).deliveryAfterMs;
        ctx.body = { deliveryAfterMs };
      });
      admin.get('/admin/shipments', (ctx) => {
        const { orderId } = shipmentsQuery.validate(ctx.query);
        ctx.body = {
          items: [...shipments.values()]
            .filter((s) => orderId === undefined || s.orderId === orderId)
            .map((s) => ({ ...publicShipment(s), ...trackingOf(s) })),
        };
      });
      return [router, admin];
    },
  });
}

function publicShipment({ createdAtMs, deliveryAfterMs: _d, voidedAtMs, ...shipment }: Shipment) {
  return {
    ...shipment,
    status: 'Created',
    createdAt: new Date(createdAtMs).toISOString(),
    ...(voidedAtMs === undefined ? {} : { voidedAt: new Date(voidedAtMs).toISOString() }),
  };
}
