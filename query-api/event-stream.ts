import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { TooManyStreamsError } from '../lib/errors';
import { principalOf } from '../lib/http/access-control';

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_MAX_STREAMS_PER_CLIENT = 4;
/** Sent once as `retry:` so browsers' EventSource reconnects after 3 s, not its default. */
export const RECONNECT_MS = 3000;

/**
 * Each stream holds a socket, a subscription and a timer until the client goes, so one client
 * (token subject, else address) may hold only so many on this instance: 429 beyond.
 */
export const createStreamLimit = (maxStreamsPerClient: number) => {
  const open = new Map<string, number>();
  return {
    /** Counts a new stream of the request's client, or refuses it; the returned function releases it. */
    claim(ctx: Context): () => void {
      const client = principalOf(ctx)?.subject ?? `ip:${ctx.ip}`;
      if ((open.get(client) ?? 0) >= maxStreamsPerClient) throw new TooManyStreamsError(maxStreamsPerClient);
      open.set(client, (open.get(client) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(client) ?? 1) - 1;
        if (left > 0) open.set(client, left);
        else open.delete(client);
      };
    },
  };
};

export interface EventStream {
  write(text: string): void;
  /** Ends the stream (and its heartbeat); `onClose` runs once, whoever closes first. */
  close(): void;
  readonly closed: boolean;
  /** Comments every `heartbeatMs` from now on, so proxies and clients see a live connection. */
  startHeartbeat(heartbeatMs: number): void;
}

/**
 * Answers the request with a Server-Sent Events stream: unbuffered (no-transform: a compressing
 * proxy would hold events until its block fills), never timed out, closed when the client leaves.
 */
export const openEventStream = (ctx: Context, onClose: () => void): EventStream => {
  const body = new PassThrough();
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  const stream: EventStream = {
    write: (text) => {
      if (!closed) body.write(text);
    },
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      onClose();
      body.end();
    },
    get closed() {
      return closed;
    },
    startHeartbeat: (heartbeatMs) => {
      if (closed) return;
      heartbeat = setInterval(() => body.write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs);
      heartbeat.unref();
    },
  };
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('Cache-Control', 'no-cache, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = body;
  ctx.res.once('close', () => stream.close());
  return stream;
};
