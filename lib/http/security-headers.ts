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
 */
const helmetHeaders = (): { set: [string, string][]; removed: string[] } => {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  res.setHeader('X-Powered-By', 'probe');
  // Names as helmet spells them (getHeaders() lowercases), in the order it sets them.
  const spelled = new Map<string, string>();
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name, value) => {
    spelled.set(name.toLowerCase(), name);
    return setHeader(name, value);
  };
  let done = false;
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })(req, res, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not answer synchronously; its headers cannot be taken once');
  return {
    set: [...spelled].map(([lower, name]) => [name, String(res.getHeader(lower))]),
    removed: res.hasHeader('X-Powered-By') ? [] : ['X-Powered-By'],
  };
};

/**
 * Helmet's headers on every response. The APIs serve JSON, so the default policy forbids every
 * source; a route serving HTML (`/docs`) sets its own, narrower-than-browser-default policy after this.
 */
export const securityHeaders = (): Middleware => {
  const { set, removed } = helmetHeaders();
  return (ctx, next) => {
    const { res } = ctx;
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
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
