import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { NotFoundError, TooManyStreamsError } from '../lib/errors';
import { principalOf } from '../lib/http/access-control';
import { compileQueryValidator } from '../lib/http/query-validation';
import type { OrderView } from '../lib/read-models/views';
import type { ChangeFeed, OrderStatusMessage } from './change-feed';
import { emptyQuerySchema, pathParam, TERMINAL_STATUSES } from './query-schemas';
import { visibleOrder } from './order-visibility';
import { ORDERS_BASE } from './view-routes';
import type { ViewCache } from './view-cache';
import type { ViewReader } from './view-reader';

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_MAX_STREAMS_PER_CLIENT = 4;
/** Sent once as `retry:` so browsers' EventSource reconnects after 3 s, not its default. */
const RECONNECT_MS = 3000;

export interface StatusEvent {
  orderId: string;
  status: string;
  version: number;
  updatedAt: string;
}

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);

/** `id:` is the version, so a reconnecting client's Last-Event-ID says what it already has. */
export const formatStatusEvent = (event: StatusEvent): string =>
  `id: ${event.version}\nevent: status\ndata: ${JSON.stringify(event)}\n\n`;

function parseLastEventId(header: string): number {
  return /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : -1;
}

export interface OrderStreamOptions {
  reader: ViewReader;
  cache: ViewCache;
  feed: ChangeFeed;
  logger: Logger;
  heartbeatMs?: number;
  /** Open streams one client (token subject, else address) may hold on this instance; 429 beyond. */
  maxStreamsPerClient?: number;
}

/**
 * `GET /api/queries/orders/{id}/stream`: Server-Sent Events of one order's status. It subscribes
 * before reading the current state, so a change made between the two is not lost; events are
 * sent in version order and never twice, whether they came from the read or the channel. The
 * stream ends after a terminal status (Completed, Cancelled), because nothing follows it.
 */
export function createOrderStreamRouter({
  reader,
  cache,
  feed,
  logger,
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
  maxStreamsPerClient = DEFAULT_MAX_STREAMS_PER_CLIENT,
}: OrderStreamOptions): Router {
  const router = new Router();
  // Each stream holds a socket, a subscription and a timer until the client goes: bounded per client.
  const openStreams = new Map<string, number>();

  router.get(`${ORDERS_BASE}/:id/stream`, async (ctx) => {
    const orderId = pathParam(ctx, 'id');
    noQuery.validate(ctx.query);
    const client = principalOf(ctx)?.subject ?? `ip:${ctx.ip}`;
    if ((openStreams.get(client) ?? 0) >= maxStreamsPerClient)
      throw new TooManyStreamsError(maxStreamsPerClient);
    let lastSent = parseLastEventId(ctx.get('Last-Event-ID'));

    const buffered: OrderStatusMessage[] = [];
    let deliver: (message: OrderStatusMessage) => void = (message) => void buffered.push(message);
    const unsubscribe = await feed.subscribeOrder(orderId, (message) => deliver(message));

    let current: OrderView | undefined;
    try {
      const lookup = await cache.get('orders', orderId, () => reader.byId<OrderView>('orders', orderId));
      current = visibleOrder(ctx, lookup.doc);
    } catch (err) {
      unsubscribe();
      throw err;
    }
    if (!current) {
      unsubscribe();
      throw new NotFoundError(`order ${orderId} does not exist`);
    }

    const stream = new PassThrough();
    let heartbeat: NodeJS.Timeout | undefined;
    let closed = false;
    openStreams.set(client, (openStreams.get(client) ?? 0) + 1);
    const close = () => {
      if (closed) return;
      closed = true;
      const left = (openStreams.get(client) ?? 1) - 1;
      if (left > 0) openStreams.set(client, left);
      else openStreams.delete(client);
      clearInterval(heartbeat);
      unsubscribe();
      stream.end();
    };

    const send = (event: StatusEvent) => {
      if (closed || event.version <= lastSent) return;
      lastSent = event.version;
      stream.write(formatStatusEvent(event));
      if (TERMINAL_STATUSES.has(event.status)) close();
    };

    // A message without status or version (a terse publisher) is completed from the view.
    let queue = Promise.resolve();
    const handle = (message: OrderStatusMessage) => {
      queue = queue
        .then(async () => {
          if (closed) return;
          if (message.status !== undefined && message.version !== undefined) {
            send({
              orderId,
              status: message.status,
              version: message.version,
              updatedAt: message.updatedAt ?? new Date().toISOString(),
            });
            return;
          }
          const doc = await reader.byId<OrderView>('orders', orderId);
          if (doc) send({ orderId, status: doc.status, version: doc.version, updatedAt: doc.updatedAt });
        })
        .catch((err: unknown) => logger.warn({ err, orderId }, 'order stream update failed'));
    };

    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    // no-transform: a compressing proxy would buffer events until its block fills.
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = stream;
    ctx.res.once('close', close);

    stream.write(`retry: ${RECONNECT_MS}\n\n`);
    send({ orderId, status: current.status, version: current.version, updatedAt: current.updatedAt });
    // A client reconnecting with Last-Event-ID of the terminal event has nothing more to get.
    if (TERMINAL_STATUSES.has(current.status)) close();
    deliver = handle;
    for (const message of buffered.splice(0)) handle(message);
    if (!closed) {
      heartbeat = setInterval(() => stream.write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs);
      heartbeat.unref();
    }
  });

  return router;
}
