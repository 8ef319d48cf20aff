import Router from '@koa/router';
import type { Metrics } from '../observability/metrics';

/** `GET /metrics` in the Prometheus text exposition format, for the Prometheus scraper. */
export function metricsRouter(metrics: Metrics): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
