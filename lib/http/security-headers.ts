import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import cors from '@koa/cors';
import helmet from 'helmet';
import type { Middleware } from 'koa';
import { envVar, type ConfigOf } from '../config/env';

/** The HTTP edge settings every API and processor reads; spread into its config spec. */
export const httpEdgeConfigSpec = {
  /** Local runs listen on loopback only; a container or host that must be reached sets 0.0.0.0. */
  HOST: envVar.string({ default: '127.0.0.1' }),
  /** The one browser origin allowed cross-origin calls (the console); unset: no CORS at all. */
  CONSOLE_ORIGIN: envVar.url({ protocols: ['http:', 'https:'], required: false }),
};

export type HttpEdgeConfig = ConfigOf<typeof httpEdgeConfigSpec>;

/**
 * Helmet's headers, asked of helmet once on a response of its own: with these options they depend
 * on nothing in the request, so running its dozen middlewares per request would only repeat them.
 * (Helmet also removes Express's X-Powered-By, which Koa never sets.)
 */
const helmetHeaders = (): [string, string][] => {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  let done = false;
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })(res.req, res, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not answer synchronously; its headers cannot be taken once');
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)]);
};

/**
 * Helmet's headers on every response. The APIs serve JSON, so the default policy forbids every
 * source; a route serving HTML (`/docs`) sets its own, narrower-than-browser-default policy after this.
 */
export const securityHeaders = (): Middleware => {
  const headers = helmetHeaders();
  return (ctx, next) => {
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    return next();
  };
};

/** CORS for the configured console origin only; other origins get no CORS headers, so browsers refuse. */
export const consoleCors = (origin: string): Middleware =>
  cors({
    origin: (ctx) => (ctx.get('Origin') === origin ? origin : ''),
    allowMethods: ['GET', 'HEAD', 'POST'],
    allowHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'If-Match',
      'If-None-Match',
      'Last-Event-ID',
    ],
    exposeHeaders: [
      'ETag',
      'Location',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'x-correlation-id',
    ],
    maxAge: 600,
  });
