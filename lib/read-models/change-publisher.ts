import type { Redis } from '../adapters/redis';
import { cacheKey, CHANGES_CHANNEL, orderChannel, type ViewName } from './views';
import type { ViewDocument } from './projections/projection-views';

export interface ViewChange {
  view: ViewName | '*';
  id?: string;
  version?: number;
  status?: string;
  updatedAt?: string;
  replayed?: boolean;
}

/**
 * Tells the query API what changed: one message per document on the changes channel, orders
 * also on their own channel (the SSE stream), and the document's cache entry deleted; a
 * notification's change also drops its order's entry, since the order view lists its notifications. One
 * round trip per batch; delivery is best effort, as Redis pub/sub is.
 */
export const publishChanges = async (
  redis: Redis,
  view: ViewName,
  docs: readonly ViewDocument[],
): Promise<void> => {
  if (docs.length === 0) return;
  const pipeline = redis.pipeline();
  for (const doc of docs) {
    const change: ViewChange = {
      view,
      id: doc._id,
      version: doc.version,
      ...(doc.status !== undefined ? { status: doc.status } : {}),
      updatedAt: doc.updatedAt,
    };
    pipeline.publish(CHANGES_CHANNEL, JSON.stringify(change));
    if (view === 'orders')
      pipeline.publish(orderChannel(doc._id), JSON.stringify({ ...change, orderId: doc._id }));
    pipeline.del(cacheKey(view, doc._id));
    const orderId = view === 'notifications' ? (doc as { orderId?: unknown }).orderId : undefined;
    if (typeof orderId === 'string') {
      // The order view shows its notifications: its cached copy is stale too. No version: the
      // order's own did not move, so the query API only drops its local copy.
      pipeline.publish(CHANGES_CHANNEL, JSON.stringify({ view: 'orders', id: orderId } satisfies ViewChange));
      pipeline.del(cacheKey('orders', orderId));
    }
  }
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err !== null);
  if (failed) throw failed[0];
};
