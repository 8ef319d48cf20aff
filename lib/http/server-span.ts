import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import { inSpan, requestTraceContext, tracingStarted } from '../observability/tracing';
import { QUIET_PATHS, routeTemplate, UNMATCHED_ROUTE } from './request-observer';

/**
 * A server span per request, the child of the caller's `traceparent` when it sends one, named
 * after the route template once the router has matched (`POST /api/commands/orders/:id/place`).
 * First in the chain, so every log line and record written for the request carries its trace.
 */
export function serverSpan(): Middleware {
  return async (ctx, next) => {
    // Without an exporter a span is only overhead (a tenth of a cached GET's CPU); probes and
    // scrapes, every few seconds from every process, are not worth a trace.
    if (!tracingStarted() || QUIET_PATHS.test(ctx.path)) return next();
    return inSpan(
      `${ctx.method}`,
      async (span) => {
        try {
          await next();
        } finally {
          const route = routeTemplate(ctx);
          span.updateName(route === UNMATCHED_ROUTE ? ctx.method : `${ctx.method} ${route}`);
          span.setAttributes({
            'http.route': route,
            'url.path': ctx.path,
            'http.response.status_code': ctx.status,
          });
          if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        }
      },
      {
        parent: requestTraceContext(ctx.headers),
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': ctx.method },
      },
    );
  };
}
