import type { Redis } from 'ioredis';
import { cacheKey, CHANGES_CHANNEL, orderChannel, type ViewName } from '../../lib/read-models/views';
import type { ViewDocument } from './projection-views';

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
 * also on their own channel (the SSE stream), and the document's cache entry deleted. One
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
  }
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err !== null);
  if (failed) throw failed[0];
};
