import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';

/** Label for requests no route claimed, so scanners probing random paths add one series, not one per path. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Probes and scrapes arrive every few seconds; at info they would drown the request log. */
export const QUIET_PATHS = /^\/(health(\/|$)|metrics$)/;

/** The router's template for the request (`/api/queries/orders/:id`), from @koa/router's typed context. */
export function routeTemplate(
  ctx: Context & Partial<Pick<Router.RouterParamContext, '_matchedRoute'>>,
): string {
  const route = ctx._matchedRoute;
  return route === undefined ? UNMATCHED_ROUTE : String(route);
}

/**
 * Times every request and logs its outcome. Sits outside the error handler so it sees the final
 * status of failed requests too; labels use the router's template (`/api/queries/orders/:id`),
 * never the raw path, to keep the series count bounded.
 */
export function requestObserver({ logger, metrics }: { logger: Logger; metrics: Metrics }): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(ctx);
      metrics.httpRequestDuration.observe({ method: ctx.method, route, status: String(status) }, seconds);
      const level = QUIET_PATHS.test(ctx.path) ? 'debug' : 'info';
      // The line is built only when it will be written (a busy API logging at warn skips it).
      if (logger.isLevelEnabled(level)) {
        logger[level](
          { method: ctx.method, path: ctx.path, route, status, durationMs: Math.round(seconds * 1e4) / 10 },
          'request',
        );
      }
    }
  };
}
