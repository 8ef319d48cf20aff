import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import { TooManyStreamsError } from '../lib/errors';
import { principalOf } from '../lib/http/access-control';
import { compileQueryValidator } from '../lib/http/query-validation';
import { VIEWS, type ViewName } from '../lib/read-models/views';
import type { ChangeFeed, ViewChange } from './change-feed';
import { DEFAULT_MAX_STREAMS_PER_CLIENT } from './order-stream';

export const FEED_PATH = '/api/queries/feed';
const DEFAULT_HEARTBEAT_MS = 15_000;

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
  const openStreams = new Map<string, number>();
  router.get(FEED_PATH, (ctx) => {
    const { view, limit } = feedQuery.validate(ctx.query);
    const client = principalOf(ctx)?.subject ?? `ip:${ctx.ip}`;
    if ((openStreams.get(client) ?? 0) >= maxStreamsPerClient)
      throw new TooManyStreamsError(maxStreamsPerClient);
    openStreams.set(client, (openStreams.get(client) ?? 0) + 1);
    const stream = new PassThrough();
    let sent = 0;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      const left = (openStreams.get(client) ?? 1) - 1;
      if (left > 0) openStreams.set(client, left);
      else openStreams.delete(client);
      stopListening();
      clearInterval(heartbeat);
      stream.end();
    };
    const stopListening = feed.onChange((change) => {
      if (closed || (view !== undefined && change.view !== view)) return;
      stream.write(formatChangeEvent(change));
      sent += 1;
      if (limit !== undefined && sent >= limit) close();
    });
    const heartbeat = setInterval(
      () => stream.write(`: heartbeat ${new Date().toISOString()}\n\n`),
      heartbeatMs,
    );
    heartbeat.unref();

    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = stream;
    ctx.res.once('close', close);
    // The first bytes tell a client the stream is open before any change arrives.
    stream.write(`retry: 3000\n: feed open\n\n`);
  });
  return router;
}
