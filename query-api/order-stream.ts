import Router from '@koa/router';
import type { Logger } from 'pino';
import { NotFoundError } from '../lib/errors';
import { compileQueryValidator } from '../lib/http/query-validation';
import type { OrderView } from '../lib/read-models/views';
import type { ChangeFeed, OrderStatusMessage } from './change-feed';
import {
  createStreamLimit,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_STREAMS_PER_CLIENT,
  openEventStream,
  RECONNECT_MS,
} from './event-stream';
import { emptyQuerySchema, pathParam, TERMINAL_STATUSES } from './query-schemas';
import { visibleOrder } from './order-visibility';
import { ORDERS_BASE } from './view-routes';
import type { ViewCache } from './view-cache';
import type { ViewReader } from './view-reader';

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
  const limitStreams = createStreamLimit(maxStreamsPerClient);

  router.get(`${ORDERS_BASE}/:id/stream`, async (ctx) => {
    const orderId = pathParam(ctx, 'id');
    noQuery.validate(ctx.query);
    const release = limitStreams.claim(ctx);
    let lastSent = parseLastEventId(ctx.get('Last-Event-ID'));

    const buffered: OrderStatusMessage[] = [];
    let deliver: (message: OrderStatusMessage) => void = (message) => void buffered.push(message);
    let unsubscribe = (): void => undefined;
    let current: OrderView | undefined;
    try {
      unsubscribe = await feed.subscribeOrder(orderId, (message) => deliver(message));
      const lookup = await cache.get('orders', orderId, () => reader.byId<OrderView>('orders', orderId));
      current = visibleOrder(ctx, lookup.doc);
      if (!current) throw new NotFoundError(`order ${orderId} does not exist`);
    } catch (err) {
      unsubscribe();
      release();
      throw err;
    }

    const stream = openEventStream(ctx, () => {
      release();
      unsubscribe();
    });

    const send = (event: StatusEvent) => {
      if (stream.closed || event.version <= lastSent) return;
      lastSent = event.version;
      stream.write(formatStatusEvent(event));
      if (TERMINAL_STATUSES.has(event.status)) stream.close();
    };

    // A message without status or version (a terse publisher) is completed from the view.
    let queue = Promise.resolve();
    const handle = (message: OrderStatusMessage) => {
      queue = queue
        .then(async () => {
          if (stream.closed) return;
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

    stream.write(`retry: ${RECONNECT_MS}\n\n`);
    send({ orderId, status: current.status, version: current.version, updatedAt: current.updatedAt });
    // A client reconnecting with Last-Event-ID of the terminal event has nothing more to get.
    if (TERMINAL_STATUSES.has(current.status)) stream.close();
    deliver = handle;
    for (const message of buffered.splice(0)) handle(message);
    stream.startHeartbeat(heartbeatMs);
  });

  return router;
}
