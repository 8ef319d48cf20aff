import type { Document, Filter } from '../lib/adapters/mongo';
import { DependencyError, OrderstreamError } from '../lib/errors';
import type { FailureInjector } from '../lib/observability/failure-injector';
import type {
  NotificationView,
  OrderStatus,
  OrderView,
  PaymentView,
  ProductView,
  ShipmentView,
  ViewName,
} from '../lib/read-models/views';
import { createSingleFlight } from './single-flight';
import type { ViewCollections } from './view-collections';

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface PageRequest {
  page: number;
  pageSize: number;
}

/** Payments and shipments are keyed by orderId; a customer's are those of the customer's orders. */
export interface OrderPartsFilter {
  customerId?: string;
  status?: string;
}

export interface NotificationsFilter extends OrderPartsFilter {
  orderId?: string;
  channel?: string;
}

export interface ViewReader {
  byId<T extends Document & { _id: string }>(view: ViewName, id: string): Promise<T | null>;
  orders(filter: { customerId?: string; status?: OrderStatus }, page: PageRequest): Promise<Page<OrderView>>;
  products(filter: { category?: string }, page: PageRequest): Promise<Page<ProductView>>;
  searchProducts(text: string, page: PageRequest): Promise<Page<ProductView>>;
  payments(filter: OrderPartsFilter, page: PageRequest): Promise<Page<PaymentView>>;
  shipments(filter: OrderPartsFilter, page: PageRequest): Promise<Page<ShipmentView>>;
  notifications(filter: NotificationsFilter, page: PageRequest): Promise<Page<NotificationView>>;
  /** Every notification of one order, oldest first (an order has a handful: one per step and channel). */
  notificationsOf(orderId: string): Promise<NotificationView[]>;
}

const defined = <T extends object>(filter: T): Partial<T> =>
  Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as Partial<T>;

/** Retired products leave the catalogue lists; `/api/products/{sku}` still answers for them. */
const ON_SALE = { retired: { $ne: true } } as const;

// `_id` breaks ties so a page boundary never repeats or skips a document.
const NEWEST_FIRST = { updatedAt: -1, _id: 1 } as const;

/** Every regex metacharacter, so user text is matched literally (and cannot be a ReDoS pattern). */
export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * Any failure of a read (server selection, network, an injected failure) becomes the retriable
 * DependencyError the HTTP edge maps to 503 and the cache treats as "serve stale".
 */
async function fromMongo<T>(failures: FailureInjector | undefined, read: () => Promise<T>): Promise<T> {
  try {
    await failures?.before('mongodb');
    return await read();
  } catch (err) {
    if (err instanceof OrderstreamError) throw err;
    throw new DependencyError('mongodb', err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * The only MongoDB queries of the query API. Filters are built here from validated, typed
 * values (never from the raw query object), so no client text can become an operator.
 */
/** More than any order gets (a few steps times three channels); a bound all the same. */
const ORDER_NOTIFICATIONS_LIMIT = 200;

export function createViewReader({
  collections,
  failures,
}: {
  collections: ViewCollections;
  failures?: FailureInjector;
}): ViewReader {
  // Identical list reads in flight share one query: a page and its count cost the MongoDB-wire
  // server far more than a read by id, and a burst of the same list (a console, a dashboard,
  // many clients polling one status) otherwise queues every read behind it. A joined request
  // gets a page at most one query old, within the read model's own lag.
  const lists = createSingleFlight<Page<Document>>();

  async function page<T extends Document>(
    view: ViewName,
    filter: Filter<T>,
    sort: Record<string, 1 | -1>,
    request: PageRequest,
  ): Promise<Page<T>> {
    const key = JSON.stringify([view, filter, sort, request.page, request.pageSize]);
    // The key names the view, so the shared page is of the view's documents (`_id` projected out).
    return (await lists.run(key, () => readPage(view, filter, sort, request))) as Page<T>;
  }

  async function readPage<T extends Document>(
    view: ViewName,
    filter: Filter<T>,
    sort: Record<string, 1 | -1>,
    { page, pageSize }: PageRequest,
  ): Promise<Page<Document>> {
    return fromMongo(failures, async () => {
      const collection = await collections.collection<T>(view);
      const [items, total] = await Promise.all([
        collection
          .find(filter, { projection: { _id: 0 } })
          .sort(sort)
          .skip((page - 1) * pageSize)
          .limit(pageSize)
          .toArray(),
        collection.countDocuments(filter),
      ]);
      return { items, page, pageSize, total };
    });
  }

  /**
   * Payment and shipment events do not name the customer, so neither do their views: a customer's
   * payments are those whose id (the orderId) is one of the customer's orders in the orders view.
   */
  async function ofCustomerOrders<T extends Document>(
    view: 'payments' | 'shipments',
    { customerId, status }: OrderPartsFilter,
    request: PageRequest,
  ): Promise<Page<T>> {
    const orderIds =
      customerId === undefined
        ? undefined
        : await fromMongo(failures, async () => {
            const orders = await collections.collection<OrderView>('orders');
            const found = await orders.find({ customerId }, { projection: { _id: 1 } }).toArray();
            return found.map((order) => order._id);
          });
    return page<T>(
      view,
      {
        ...(orderIds !== undefined ? { _id: { $in: orderIds } } : {}),
        ...(status !== undefined ? { status } : {}),
      } as Filter<T>,
      NEWEST_FIRST,
      request,
    );
  }

  return {
    byId: <T extends Document & { _id: string }>(view: ViewName, id: string) =>
      fromMongo(failures, async () => {
        const collection = await collections.collection<T>(view);
        return (await collection.findOne({ _id: id } as Filter<T>)) as T | null;
      }),
    orders: (filter, request) =>
      page<OrderView>(
        'orders',
        {
          ...(filter.customerId !== undefined ? { customerId: filter.customerId } : {}),
          ...(filter.status !== undefined ? { status: filter.status } : {}),
        },
        NEWEST_FIRST,
        request,
      ),
    payments: (filter, request) => ofCustomerOrders<PaymentView>('payments', filter, request),
    shipments: (filter, request) => ofCustomerOrders<ShipmentView>('shipments', filter, request),
    notifications: (filter, request) =>
      page<NotificationView>(
        'notifications',
        defined(filter) as Filter<NotificationView>,
        NEWEST_FIRST,
        request,
      ),
    notificationsOf: (orderId) =>
      fromMongo(failures, async () => {
        const collection = await collections.collection<NotificationView>('notifications');
        return (await collection
          .find({ orderId }, { projection: { _id: 0 } })
          .sort({ updatedAt: 1 })
          .limit(ORDER_NOTIFICATIONS_LIMIT)
          .toArray()) as unknown as NotificationView[];
      }),
    products: (filter, request) =>
      page<ProductView>(
        'products',
        { ...ON_SALE, ...(filter.category !== undefined ? { category: filter.category } : {}) },
        { sku: 1 },
        request,
      ),
    searchProducts(text, request) {
      const pattern = { $regex: escapeRegex(text), $options: 'i' };
      return page<ProductView>(
        'products',
        { ...ON_SALE, $or: [{ name: pattern }, { sku: pattern }, { category: pattern }] },
        { sku: 1 },
        request,
      );
    },
  };
}
