import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { MethodNotAllowedError, NotFoundError } from '../errors';
import { currentCorrelation } from '../observability/correlation-context';
import { CORRELATION_HEADER } from './correlation';
import { PROBLEM_CONTENT_TYPE, problemFromError } from './problem';

/** Headers that describe the exchange, not the failed handler's response, and so survive an error. */
const KEPT_HEADERS = new Set([
  CORRELATION_HEADER,
  'connection',
  // Where the client stands with its budget is true whatever the handler did.
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
]);

interface RouterLayer {
  methods: string[];
}

/**
 * What @koa/router adds to the context: the route template that matched (typed by the router's
 * own declarations) and the layers whose path matched (`ctx.matched`, which it sets untyped).
 */
type RoutedContext = Context &
  Partial<Pick<Router.RouterParamContext, '_matchedRoute'>> & { matched?: RouterLayer[] };

/**
 * Every @koa/router instance appends the layers whose *path* matched to `ctx.matched`, whatever
 * the method; that is exactly what separates 405 (path known) from 404 (path unknown) across
 * several routers, which per-router `allowedMethods()` gets wrong.
 */
function allowedMethods(ctx: RoutedContext): string[] {
  const layers = ctx.matched ?? [];
  return [...new Set(layers.flatMap((layer) => layer.methods))];
}

function routeNotFoundOrNotAllowed(ctx: RoutedContext): Error | undefined {
  if (ctx.status !== 404 || ctx.body != null) return undefined;
  const allowed = allowedMethods(ctx);
  if (allowed.length > 0 && !allowed.includes(ctx.method)) {
    return new MethodNotAllowedError(ctx.method, allowed);
  }
  const matched = ctx._matchedRoute !== undefined;
  // A matched handler that left the response empty is a handler bug, but it must still be a 404
  // with a problem body rather than Koa's plain-text "Not Found".
  return new NotFoundError(
    matched ? `nothing found at ${ctx.path}` : `no route for ${ctx.method} ${ctx.path}`,
  );
}

/**
 * The one place a thrown error becomes a response: RFC 9457 problem+json with the status from
 * problem.ts. 5xx are logged at error (with stack) because they are ours to fix; 4xx at info
 * because they are the client's, and a flood of them must not page anyone; 429 at debug.
 */
export function errorHandler({ logger }: { logger: Logger }): Middleware {
  return async (ctx, next) => {
    // Headers set before this point (security headers, CORS) belong to every response, errors included.
    // (Names only, lowercased by Node: this runs on every request, and building the headers
    // object and a set of them cost a cached GET a few per cent.)
    const outer = ctx.res.getHeaderNames();
    try {
      await next();
      if (ctx.method === 'OPTIONS' && ctx.status === 404 && ctx.body == null) {
        const allowed = allowedMethods(ctx);
        if (allowed.length > 0) {
          ctx.set('Allow', [...allowed, 'OPTIONS'].join(', '));
          ctx.status = 204;
          return;
        }
      }
      const unmatched = routeNotFoundOrNotAllowed(ctx);
      if (unmatched) throw unmatched;
    } catch (err) {
      const { problem, headers } = problemFromError(err, { instance: ctx.path });
      const correlationId = currentCorrelation()?.correlationId;
      if (correlationId !== undefined) problem.correlationId = correlationId;

      if (problem.status >= 500) {
        logger.error({ err, status: problem.status, code: problem.code }, 'request failed');
      } else if (problem.status === 429) {
        // Refusals come in floods by nature (an overload, a client over its budget); the access
        // line and the refusal counters record each, and a second line apiece would cost the
        // overloaded service the CPU the refusal was meant to save.
        logger.debug(
          { status: problem.status, code: problem.code, detail: problem.detail },
          'request refused',
        );
      } else {
        logger.info(
          { status: problem.status, code: problem.code, detail: problem.detail, errors: problem.errors },
          'request rejected',
        );
      }

      if (ctx.headerSent || !ctx.writable) {
        // Streaming responses (SSE) may fail after the head is out; all we can do is log.
        return;
      }
      for (const name of Object.keys(ctx.response.headers)) {
        const lower = name.toLowerCase();
        if (!KEPT_HEADERS.has(lower) && !outer.includes(lower)) ctx.remove(name);
      }
      ctx.set(headers);
      ctx.status = problem.status;
      ctx.body = problem;
      ctx.type = PROBLEM_CONTENT_TYPE;
    }
  };
}
