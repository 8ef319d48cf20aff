import Router from '@koa/router';
import { NotFoundError } from '../lib/errors';
import { compileQueryValidator } from '../lib/http/query-validation';
import type { OrderView, PaymentView, ShipmentView } from '../lib/read-models/views';
import { visibleOrder } from './order-visibility';
import { emptyQuerySchema, pathParam } from './query-schemas';
import { orderBody, withoutId } from './representations';
import type { ViewCache } from './view-cache';
import type { ViewReader } from './view-reader';
import { ORDERS_BASE } from './view-routes';

/** More than an order collects in practice (a few per status change and channel). */
const MAX_NOTIFICATIONS = 100;
const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);

/**
 * `GET /api/queries/orders/{id}/journey`: the order with its payment, shipment and notifications
 * in one answer, each `null` or empty until the saga gets there. The console's order page reads
 * this rather than three routes that answer 404 while a step has not happened yet. Same
 * visibility as the order: a customer sees only their own.
 */
export function createJourneyRouter({ reader, cache }: { reader: ViewReader; cache: ViewCache }): Router {
  const router = new Router();
  router.get(`${ORDERS_BASE}/:id/journey`, async (ctx) => {
    const orderId = pathParam(ctx, 'id');
    noQuery.validate(ctx.query);
    const lookup = await cache.get('orders', orderId, () => reader.byId<OrderView>('orders', orderId));
    const order = visibleOrder(ctx, lookup.doc);
    if (!order) throw new NotFoundError(`order ${orderId} does not exist`);
    const [payment, shipment, notifications] = await Promise.all([
      cache.get('payments', orderId, () => reader.byId<PaymentView>('payments', orderId)),
      cache.get('shipments', orderId, () => reader.byId<ShipmentView>('shipments', orderId)),
      reader.notifications({ orderId }, { page: 1, pageSize: MAX_NOTIFICATIONS }),
    ]);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = {
      order: orderBody(order),
      payment: payment.doc ? withoutId(payment.doc) : null,
      shipment: shipment.doc ? withoutId(shipment.doc) : null,
      notifications: notifications.items.map(withoutId),
    };
  });
  return router;
}
