import Router from '@koa/router';
import { compileQueryValidator } from '../lib/http/query-validation';
import type { OrderView, ProductView } from '../lib/read-models/views';
import { sendCachedView } from './cached-view';
import { compression } from './compression';
import {
  emptyQuerySchema,
  ordersQuerySchema,
  pageRequest,
  pathParam,
  productSearchQuerySchema,
  productsQuerySchema,
  type OrdersQuery,
  type ProductSearchQuery,
  type ProductsQuery,
} from './query-schemas';
import { listedCustomer, visibleOrder } from './order-visibility';
import {
  inventoryBody,
  orderBody,
  orderNotification,
  orderValidator,
  productBody,
  type OrderWithNotifications,
} from './representations';
import type { ViewCache } from './view-cache';
import type { ViewReader } from './view-reader';

export const ORDERS_BASE = '/api/queries/orders';
export const PRODUCTS_BASE = '/api/products';
export const INVENTORY_BASE = '/api/queries/inventory';

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);
const ordersQuery = compileQueryValidator<OrdersQuery>(ordersQuerySchema);
const productsQuery = compileQueryValidator<ProductsQuery>(productsQuerySchema);
const searchQuery = compileQueryValidator<ProductSearchQuery>(productSearchQuerySchema);

export interface ViewRouterOptions {
  reader: ViewReader;
  cache: ViewCache;
  compressionThresholdBytes?: number;
}

/**
 * The read routes of DESIGN §7. Single documents go through the cache (and so get ETags and
 * stale serving); lists read MongoDB directly, since any change anywhere would invalidate them.
 * Lists are not cached by clients either (`no-cache`): a page moves whenever an order changes.
 */
export function createViewRouter({ reader, cache, compressionThresholdBytes }: ViewRouterOptions): Router {
  const router = new Router();
  router.use(compression({ thresholdBytes: compressionThresholdBytes }));

  router.get(`${ORDERS_BASE}/:id`, async (ctx) => {
    const id = pathParam(ctx, 'id');
    noQuery.validate(ctx.query);
    // The order and its notifications are cached as one entry; the projections drop it when
    // either changes (change-publisher.ts).
    const lookup = await cache.get('orders', id, async (): Promise<OrderWithNotifications | null> => {
      const [order, notifications] = await Promise.all([
        reader.byId<OrderView>('orders', id),
        reader.notificationsOf(id),
      ]);
      return order && { ...order, notifications: notifications.map(orderNotification) };
    });
    sendCachedView(
      ctx,
      { ...lookup, doc: visibleOrder(ctx, lookup.doc) },
      {
        name: 'orders',
        id,
        body: orderBody,
        validator: orderValidator,
        notFound: `order ${id} does not exist`,
      },
    );
  });

  router.get(ORDERS_BASE, async (ctx) => {
    const { customerId: requested, status, ...paging } = ordersQuery.validate(ctx.query);
    const customerId = listedCustomer(ctx, requested);
    ctx.set('Cache-Control', 'no-cache');
    ctx.vary('Authorization');
    ctx.body = await reader.orders({ customerId, status }, pageRequest(paging));
  });

  router.get(`${INVENTORY_BASE}/:sku`, async (ctx) => {
    const sku = pathParam(ctx, 'sku');
    noQuery.validate(ctx.query);
    // Stock figures live in the product view; one cache entry serves both representations.
    const lookup = await cache.get('products', sku, () => reader.byId<ProductView>('products', sku));
    sendCachedView(ctx, lookup, {
      name: 'inventory',
      id: sku,
      body: inventoryBody,
      notFound: `sku ${sku} is unknown`,
    });
  });

  router.get(PRODUCTS_BASE, async (ctx) => {
    const { category, ...paging } = productsQuery.validate(ctx.query);
    ctx.set('Cache-Control', 'no-cache');
    const page = await reader.products({ category }, pageRequest(paging));
    ctx.body = { ...page, items: page.items.map(productBody) };
  });

  // Before `/:id`, which would otherwise take "search" for a sku.
  router.get(`${PRODUCTS_BASE}/search`, async (ctx) => {
    const { query, ...paging } = searchQuery.validate(ctx.query);
    ctx.set('Cache-Control', 'no-cache');
    const page = await reader.searchProducts(query, pageRequest(paging));
    ctx.body = { ...page, query, items: page.items.map(productBody) };
  });

  router.get(`${PRODUCTS_BASE}/:id`, async (ctx) => {
    const sku = pathParam(ctx, 'id');
    noQuery.validate(ctx.query);
    const lookup = await cache.get('products', sku, () => reader.byId<ProductView>('products', sku));
    sendCachedView(ctx, lookup, {
      name: 'products',
      id: sku,
      body: productBody,
      notFound: `product ${sku} does not exist`,
    });
  });

  return router;
}
