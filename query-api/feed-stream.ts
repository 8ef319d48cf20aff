import Router from '@koa/router';
import { compileQueryValidator } from '../lib/http/query-validation';
import { VIEWS, type ViewName } from '../lib/read-models/views';
import type { ChangeFeed, ViewChange } from './change-feed';
import {
  createStreamLimit,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_STREAMS_PER_CLIENT,
  openEventStream,
  RECONNECT_MS,
} from './event-stream';

export const FEED_PATH = '/api/queries/feed';

export interface FeedQuery {
  view?: ViewName;
  limit?: number;
}

export const feedQuerySchema = {
  type: 'object',
  properties: {
    view: { type: 'string', enum: [...VIEWS], description: 'Only changes of this view.' },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: 10_000,
      description: 'Ends the stream after this many changes; unbounded when absent.',
    },
  },
} as const;

const feedQuery = compileQueryValidator<FeedQuery>(feedQuerySchema);

/** `data:` of one change; `id:` is left out because a change of another document may share a version. */
export const formatChangeEvent = (change: ViewChange): string =>
  `event: change\ndata: ${JSON.stringify(change)}\n\n`;

/**
 * `GET /api/queries/feed`: every change the projections announce (order, payment, shipment,
 * product…), as Server-Sent Events, for the operator console's live feed. It is the same
 * best-effort channel the caches are invalidated by, so a client that needs the whole state reads
 * the views and uses the feed to learn what moved. Operators and admins only (access-rules.ts):
 * it shows every customer's orders.
 */
export function createFeedRouter({
  feed,
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
  maxStreamsPerClient = DEFAULT_MAX_STREAMS_PER_CLIENT,
}: {
  feed: ChangeFeed;
  heartbeatMs?: number;
  /** Open feeds one client (token subject, else address) may hold on this instance; 429 beyond. */
  maxStreamsPerClient?: number;
}): Router {
  const router = new Router();
  const limitStreams = createStreamLimit(maxStreamsPerClient);
  router.get(FEED_PATH, (ctx) => {
    const { view, limit } = feedQuery.validate(ctx.query);
    const release = limitStreams.claim(ctx);
    let sent = 0;
    let stopListening = (): void => undefined;
    const stream = openEventStream(ctx, () => {
      release();
      stopListening();
    });
    stopListening = feed.onChange((change) => {
      if (stream.closed || (view !== undefined && change.view !== view)) return;
      stream.write(formatChangeEvent(change));
      sent += 1;
      if (limit !== undefined && sent >= limit) stream.close();
    });
    stream.startHeartbeat(heartbeatMs);
    // The first bytes tell a client the stream is open before any change arrives.
    stream.write(`retry: ${RECONNECT_MS}\n: feed open\n\n`);
  });
  return router;
}
