import Router from '@koa/router';
import { compileQueryValidator } from '../lib/http/query-validation';
import type { OrderView, PaymentView, ShipmentView } from '../lib/read-models/views';
import { sendCachedView } from './cached-view';
import { compression } from './compression';
import { listedCustomer, orderPartVisible } from './order-visibility';
import {
  emptyQuerySchema,
  notificationsQuerySchema,
  pageRequest,
  pathParam,
  paymentsQuerySchema,
  shipmentsQuerySchema,
  type NotificationsQuery,
  type OrderPartsQuery,
} from './query-schemas';
import { withoutId } from './representations';
import type { ViewCache } from './view-cache';
import type { ViewReader } from './view-reader';

export const PAYMENTS_BASE = '/api/queries/payments';
export const SHIPMENTS_BASE = '/api/queries/shipments';
export const NOTIFICATIONS_BASE = '/api/queries/notifications';

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);
const paymentsQuery = compileQueryValidator<OrderPartsQuery>(paymentsQuerySchema);
const shipmentsQuery = compileQueryValidator<OrderPartsQuery>(shipmentsQuerySchema);
const notificationsQuery = compileQueryValidator<NotificationsQuery>(notificationsQuerySchema);

export interface OrderPartRouterOptions {
  reader: ViewReader;
  cache: ViewCache;
  compressionThresholdBytes?: number;
}

/**
 * The saga's side of an order: its payment and shipment (one each, keyed by orderId) and its
 * notifications. The same rules as the order routes (view-routes.ts): one document through the
 * cache with an ETag, lists straight from MongoDB and `no-cache`, a customer sees only what
 * belongs to their own orders, and someone else's is answered as if it did not exist.
 */
export function createOrderPartRouter({
  reader,
  cache,
  compressionThresholdBytes,
}: OrderPartRouterOptions): Router {
  const router = new Router();
  router.use(compression({ thresholdBytes: compressionThresholdBytes }));

  const customerOfOrder = async (orderId: string) =>
    (await cache.get('orders', orderId, () => reader.byId<OrderView>('orders', orderId))).doc?.customerId;

  const onePerOrder = <T extends PaymentView | ShipmentView>(view: 'payments' | 'shipments', base: string) =>
    router.get(`${base}/:orderId`, async (ctx) => {
      const orderId = pathParam(ctx, 'orderId');
      noQuery.validate(ctx.query);
      const lookup = await cache.get(view, orderId, () => reader.byId<T>(view, orderId));
      const visible =
        lookup.doc !== undefined && (await orderPartVisible(ctx, () => customerOfOrder(orderId)));
      sendCachedView(
        ctx,
        { ...lookup, doc: visible ? lookup.doc : undefined },
        {
          name: view,
          id: orderId,
          body: withoutId,
          notFound: `order ${orderId} has no ${view === 'payments' ? 'payment' : 'shipment'} yet`,
        },
      );
    });

  onePerOrder<PaymentView>('payments', PAYMENTS_BASE);
  onePerOrder<ShipmentView>('shipments', SHIPMENTS_BASE);

  const listOfCustomerOrders = (
    base: string,
    query: typeof paymentsQuery,
    list: ViewReader['payments'] | ViewReader['shipments'],
  ) =>
    router.get(base, async (ctx) => {
      const { customerId, status, ...paging } = query.validate(ctx.query);
      ctx.set('Cache-Control', 'no-cache');
      ctx.vary('Authorization');
      const page = await list({ customerId: listedCustomer(ctx, customerId), status }, pageRequest(paging));
      ctx.body = { ...page, items: page.items.map(withoutId) };
    });

  listOfCustomerOrders(PAYMENTS_BASE, paymentsQuery, reader.payments);
  listOfCustomerOrders(SHIPMENTS_BASE, shipmentsQuery, reader.shipments);

  router.get(NOTIFICATIONS_BASE, async (ctx) => {
    const { customerId, orderId, channel, status, ...paging } = notificationsQuery.validate(ctx.query);
    ctx.set('Cache-Control', 'no-cache');
    ctx.vary('Authorization');
    // A customer's filter is always their own id, so another customer's orderId finds nothing.
    const page = await reader.notifications(
      { customerId: listedCustomer(ctx, customerId), orderId, channel, status },
      pageRequest(paging),
    );
    ctx.body = { ...page, items: page.items.map(withoutId) };
  });

  return router;
}
