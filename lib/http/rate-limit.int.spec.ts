import Router from '@koa/router';
import { createRedis } from '../adapters/redis';
import { fetchAs, testAuth } from '../../test/support/auth';
import { uniqueName } from '../../test/support/env';
import { startTestApp, type TestApp } from './testing';

/**
 * Redis away must not take the API down: the limiter counts in memory instead (logged and
 * counted), still answering 429 past the budget. Nothing listens on port 1, so every Redis
 * connection attempt is refused by the kernel, as in a real outage.
 */
describe('rate limits while Redis is unreachable', () => {
  const redis = createRedis('redis://127.0.0.1:1', 'rate-limit-outage');
  redis.on('error', () => undefined);
  let app: TestApp;

  beforeAll(async () => {
    const router = new Router();
    router.get('/api/queries/ping', (ctx) => {
      ctx.body = { pong: true };
    });
    app = await startTestApp({
      routers: [router],
      access: {
        verifier: (await testAuth()).verifier,
        rateLimit: {
          redis,
          limits: { commands: 2, queries: 2, admin: 2, webhooks: 2 },
          keyPrefix: `${uniqueName('rl')}:`,
        },
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    redis.disconnect();
  });

  it('serves requests, counts them in memory and still refuses past the budget', async () => {
    const asClient = fetchAs('customer', uniqueName('c'));
    const first = await asClient(`${app.url}/api/queries/ping`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect((await asClient(`${app.url}/api/queries/ping`)).status).toBe(200);
    const third = await asClient(`${app.url}/api/queries/ping`);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    const fallbacks = await app.metrics.registry.getSingleMetricAsString(
      'orderstream_rate_limit_store_fallbacks_total',
    );
    expect(fallbacks).toMatch(/group="queries"[^\n]* 3/);
    expect(
      app.logLines.some((line) => line.msg === 'rate limiter store unavailable; counting in memory'),
    ).toBe(true);
  });
});
