import type { Document, Filter } from 'mongodb';
import { DependencyError, OrderstreamError } from '../lib/errors';
import type { FailureInjector } from '../lib/observability/failure-injector';
import type { OrderStatus, OrderView, ProductView, ViewName } from '../lib/read-models/views';
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

export interface ViewReader {
  byId<T extends Document & { _id: string }>(view: ViewName, id: string): Promise<T | null>;
  orders(filter: { customerId?: string; status?: OrderStatus }, page: PageRequest): Promise<Page<OrderView>>;
  products(filter: { category?: string }, page: PageRequest): Promise<Page<ProductView>>;
  searchProducts(text: string, page: PageRequest): Promise<Page<ProductView>>;
}

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
export function createViewReader({
  collections,
  failures,
}: {
  collections: ViewCollections;
  failures?: FailureInjector;
}): ViewReader {
  async function page<T extends Document>(
    view: ViewName,
    filter: Filter<T>,
    sort: Record<string, 1 | -1>,
    { page, pageSize }: PageRequest,
  ): Promise<Page<T>> {
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
      return { items: items as unknown as T[], page, pageSize, total };
    });
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
        // `_id` breaks ties so a page boundary never repeats or skips an order.
        { updatedAt: -1, _id: 1 },
        request,
      ),
    products: (filter, request) =>
      page<ProductView>(
        'products',
        filter.category !== undefined ? { category: filter.category } : {},
        { sku: 1 },
        request,
      ),
    searchProducts(text, request) {
      const pattern = { $regex: escapeRegex(text), $options: 'i' };
      return page<ProductView>(
        'products',
        { $or: [{ name: pattern }, { sku: pattern }, { category: pattern }] },
        { sku: 1 },
        request,
      );
    },
  };
}
