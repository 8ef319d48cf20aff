import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from '../adapters/redis';
import type { RouteGroup } from '../auth/access-rules';
import { envVar, type ConfigOf } from '../config/env';
import { RateLimitedError } from '../errors';
import { fallbackCounter, type Metrics } from '../observability/metrics';
import { accessOf } from './access-control';

/** Requests per minute per client and route group; spread into each API's config spec. */
export const rateLimitConfigSpec = {
  RATE_LIMIT_COMMANDS_PER_MIN: envVar.int({ default: 300, min: 1, max: 1_000_000 }),
  RATE_LIMIT_QUERIES_PER_MIN: envVar.int({ default: 1200, min: 1, max: 1_000_000 }),
  RATE_LIMIT_ADMIN_PER_MIN: envVar.int({ default: 60, min: 1, max: 1_000_000 }),
  /** A provider's receipts: about four per order, so 60,000 a minute keeps up with 15,000 orders. */
  RATE_LIMIT_WEBHOOKS_PER_MIN: envVar.int({ default: 60_000, min: 1, max: 1_000_000 }),
  /** For benchmarks and load runs, which are one client sending as fast as it can. */
  RATE_LIMIT_DISABLED: envVar.bool({ default: false }),
};

export type RateLimitConfig = ConfigOf<typeof rateLimitConfigSpec>;
export type RateLimits = Readonly<Record<RouteGroup, number>>;

export const rateLimitsFromConfig = (config: RateLimitConfig): RateLimits | undefined =>
  config.RATE_LIMIT_DISABLED
    ? undefined
    : {
        commands: config.RATE_LIMIT_COMMANDS_PER_MIN,
        queries: config.RATE_LIMIT_QUERIES_PER_MIN,
        admin: config.RATE_LIMIT_ADMIN_PER_MIN,
        webhooks: config.RATE_LIMIT_WEBHOOKS_PER_MIN,
      };

export interface RateLimitOptions {
  redis: Redis;
  limits: RateLimits;
  /** Namespaces the counters per deployment (and per test) in the shared Redis. */
  keyPrefix: string;
  logger: Logger;
  metrics: Metrics;
  /** The window; a minute unless a test wants a short one. */
  windowSeconds?: number;
}

/** The client a budget belongs to: the token's subject when verified, else the peer address. */
const clientOf = (ctx: Context): string => {
  const principal = accessOf(ctx)?.principal;
  return principal ? `sub:${principal.subject}` : `ip:${ctx.ip}`;
};

/**
 * Fixed-window limits per client and route group, counted in Redis so every instance shares one
 * budget. Each limited response says where the client stands (`RateLimit-*`), a refused one also
 * when to retry. Redis away must not take the API down: counting moves to a per-instance memory
 * limiter (logged and counted), and if even that fails the request goes through.
 */
export function rateLimit({
  redis,
  limits,
  keyPrefix,
  logger,
  metrics,
  windowSeconds = 60,
}: RateLimitOptions): Middleware {
  const fallbacks = metrics.counter<'group'>({
    name: 'rate_limit_store_fallbacks_total',
    help: 'Rate-limit decisions taken by the in-memory limiter because Redis was unavailable',
    labelNames: ['group'],
  });
  const fellBack = fallbackCounter(metrics);
  const refusals = metrics.counter<'group'>({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused with 429 by the rate limiter',
    labelNames: ['group'],
  });
  const limiters = Object.fromEntries(
    (Object.entries(limits) as [RouteGroup, number][]).map(([group, points]) => [
      group,
      {
        points,
        redis: new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${keyPrefix}${group}`,
          points,
          duration: windowSeconds,
          rejectIfRedisNotReady: true,
        }),
        memory: new RateLimiterMemory({ keyPrefix: group, points, duration: windowSeconds }),
      },
    ]),
  ) as Record<RouteGroup, { points: number; redis: RateLimiterRedis; memory: RateLimiterMemory }>;

  const consume = async (group: RouteGroup, key: string): Promise<RateLimiterRes | undefined> => {
    const limiter = limiters[group];
    try {
      return await limiter.redis.consume(key);
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) throw outcome;
      fallbacks.inc({ group });
      fellBack('rate-limit-in-memory');
      logger.warn({ err: outcome, group }, 'rate limiter store unavailable; counting in memory');
    }
    try {
      return await limiter.memory.consume(key);
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) throw outcome;
      logger.error({ err: outcome, group }, 'rate limiter failed; request let through');
      return undefined;
    }
  };

  return async (ctx, next) => {
    const group = accessOf(ctx)?.rule.group;
    if (group === undefined) return next();
    const { points } = limiters[group];
    let result: RateLimiterRes | undefined;
    try {
      result = await consume(group, clientOf(ctx));
    } catch (outcome) {
      const refused = outcome as RateLimiterRes;
      refusals.inc({ group });
      throw new RateLimitedError(points, Math.max(1, Math.ceil(refused.msBeforeNext / 1000)));
    }
    if (result) {
      ctx.set('RateLimit-Limit', String(points));
      ctx.set('RateLimit-Remaining', String(Math.max(0, result.remainingPoints)));
      ctx.set('RateLimit-Reset', String(Math.max(0, Math.ceil(result.msBeforeNext / 1000))));
    }
    await next();
  };
}
