import type { Logger } from 'pino';
import type { Redis } from '../lib/adapters/redis';
import { DependencyError } from '../lib/errors';
import { CHANGES_CHANNEL, orderChannel, VIEWS, type ViewName } from '../lib/read-models/views';

/** What the projections publish on CHANGES_CHANNEL (views.ts). */
export interface ViewChange {
  view: ViewName;
  id: string;
  version: number;
  status?: string;
  updatedAt?: string;
}

/** One message on `orderChannel(id)`; fields other than `status` may be missing, so all are optional. */
export interface OrderStatusMessage {
  orderId?: string;
  status?: string;
  version?: number;
  updatedAt?: string;
}

export interface ChangeFeed {
  /** Subscribes to CHANGES_CHANNEL; resolves once Redis confirmed the subscription. */
  start(): Promise<void>;
  onChange(listener: (change: ViewChange) => void): () => void;
  /** A replay swapped every view to rebuilt collections (`{view: '*', replayed: true}`). */
  onReplay(listener: () => void): () => void;
  /** Shares one Redis subscription per order among all its SSE streams. */
  subscribeOrder(orderId: string, listener: (message: OrderStatusMessage) => void): Promise<() => void>;
  stop(): Promise<void>;
}

const asObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

export function parseViewChange(text: string): ViewChange | undefined {
  const m = asObject(text);
  if (!m || typeof m.id !== 'string' || !(VIEWS as readonly unknown[]).includes(m.view)) return undefined;
  return {
    view: m.view as ViewName,
    id: m.id,
    version: typeof m.version === 'number' ? m.version : Number.NaN,
    ...(typeof m.status === 'string' ? { status: m.status } : {}),
    ...(typeof m.updatedAt === 'string' ? { updatedAt: m.updatedAt } : {}),
  };
}

/** The projections' replay announces itself once for every view: `{view: '*', replayed: true}`. */
export function isReplayAnnouncement(text: string): boolean {
  const m = asObject(text);
  return m?.view === '*' && m.replayed === true;
}

export function parseOrderStatusMessage(text: string): OrderStatusMessage | undefined {
  const m = asObject(text);
  if (!m) return undefined;
  return {
    ...(typeof m.orderId === 'string' ? { orderId: m.orderId } : {}),
    ...(typeof m.status === 'string' ? { status: m.status } : {}),
    ...(typeof m.version === 'number' ? { version: m.version } : {}),
    ...(typeof m.updatedAt === 'string' ? { updatedAt: m.updatedAt } : {}),
  };
}

/**
 * The query API's one Redis subscriber connection (a subscribed connection can run no other
 * command, so it is separate from the cache client). Malformed messages are logged and dropped:
 * a bad publisher must not take the stream down.
 */
export function createChangeFeed({ subscriber, logger }: { subscriber: Redis; logger: Logger }): ChangeFeed {
  const changeListeners = new Set<(change: ViewChange) => void>();
  const replayListeners = new Set<() => void>();
  const orderListeners = new Map<
    string,
    { listeners: Set<(message: OrderStatusMessage) => void>; subscribed: Promise<void> }
  >();

  const onMessage = (channel: string, text: string) => {
    if (channel === CHANGES_CHANNEL) {
      if (isReplayAnnouncement(text)) {
        for (const listener of replayListeners) listener();
        return;
      }
      const change = parseViewChange(text);
      if (!change) return logger.warn({ channel, text: text.slice(0, 200) }, 'malformed change message');
      for (const listener of changeListeners) listener(change);
      return;
    }
    const listeners = orderListeners.get(channel)?.listeners;
    if (!listeners) return;
    const message = parseOrderStatusMessage(text);
    if (!message) return logger.warn({ channel, text: text.slice(0, 200) }, 'malformed order status message');
    for (const listener of listeners) listener(message);
  };

  return {
    async start() {
      subscriber.on('message', onMessage);
      // A SUBSCRIBE sent between "connect" and "ready" turns the connection into subscriber mode
      // before ioredis's ready check (INFO) runs, which then fails; so wait for "ready" first.
      if (subscriber.status !== 'ready') {
        await new Promise<void>((resolve, reject) => {
          const onReady = () => {
            subscriber.off('end', onEnd);
            resolve();
          };
          const onEnd = () => {
            subscriber.off('ready', onReady);
            reject(new DependencyError('redis', 'subscriber connection ended before it was ready'));
          };
          subscriber.once('ready', onReady);
          subscriber.once('end', onEnd);
        });
      }
      await subscriber.subscribe(CHANGES_CHANNEL);
    },
    onReplay(listener) {
      replayListeners.add(listener);
      return () => replayListeners.delete(listener);
    },
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    async subscribeOrder(orderId, listener) {
      const channel = orderChannel(orderId);
      let entry = orderListeners.get(channel);
      if (!entry) {
        entry = { listeners: new Set(), subscribed: subscriber.subscribe(channel).then(() => undefined) };
        orderListeners.set(channel, entry);
      }
      const current = entry;
      current.listeners.add(listener);
      const unsubscribe = () => {
        current.listeners.delete(listener);
        if (current.listeners.size === 0 && orderListeners.get(channel) === current) {
          orderListeners.delete(channel);
          subscriber
            .unsubscribe(channel)
            .catch((err: unknown) => logger.warn({ err, channel }, 'unsubscribe failed'));
        }
      };
      try {
        // A second stream of the same order must also wait for the confirmation, or a change
        // published between its initial read and the subscription would be lost.
        await current.subscribed;
      } catch (err) {
        unsubscribe();
        throw err;
      }
      return unsubscribe;
    },
    async stop() {
      subscriber.off('message', onMessage);
      changeListeners.clear();
      orderListeners.clear();
      if (subscriber.status === 'ready') await subscriber.unsubscribe().catch(() => undefined);
    },
  };
}
