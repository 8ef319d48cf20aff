import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { readJsonBody } from '../../lib/http/json-body';
import { compileValidator } from '../../lib/validation';
import { problemBody, send } from './problem-response';

/** Outage knobs every simulator has; rates are probabilities in [0, 1]. */
export interface OutageKnobs {
  errorRate: number;
  latencyMs: number;
  timeoutRate: number;
}

/** Business knobs one simulator adds: payment `declineRate`, carrier `rejectRate`. */
export type FailureKnobs<R extends string = never> = OutageKnobs & Record<R, number>;

export interface FailureKnobsStore<R extends string = never> {
  get(): FailureKnobs<R>;
  /** Replaces every knob: fields left out go back to 0, so one POST describes the whole state. */
  set(knobs: Partial<FailureKnobs<R>>): FailureKnobs<R>;
}

export function createFailureKnobs<R extends string = never>(
  businessRates: readonly R[],
  initial: Partial<FailureKnobs<R>> = {},
): FailureKnobsStore<R> {
  const normalise = (knobs: Partial<FailureKnobs<R>>): FailureKnobs<R> => {
    const all: Record<string, number> = { errorRate: 0, latencyMs: 0, timeoutRate: 0 };
    for (const rate of businessRates) all[rate] = 0;
    for (const [name, value] of Object.entries(knobs)) if (typeof value === 'number') all[name] = value;
    return all as FailureKnobs<R>;
  };
  let current = normalise(initial);
  return {
    get: () => ({ ...current }),
    set(knobs) {
      current = normalise(knobs);
      return { ...current };
    },
  };
}

/**
 * A stable draw in [0, 1) from a key: `draw(orderId) < declineRate` gives every retry of one order
 * the same decision, as a real issuer declining a card would, and lets tests pick which orders fail.
 */
export function deterministicDraw(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Waits `ms`, or less if the client goes away: a hung request must not outlive its caller, nor
 * keep a test's server (and Jest) alive for 30 s after the client has aborted.
 */
export type Pause = (ms: number, res: ServerResponse) => Promise<'elapsed' | 'client-gone'>;

export const pause: Pause = (ms, res) => {
  if (ms <= 0) return Promise.resolve('elapsed');
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve('client-gone');
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve('elapsed');
    }, ms);
    res.once('close', onClose);
  });
};

export interface InjectFailuresOptions {
  knobs: FailureKnobsStore<string>;
  logger: Logger;
  /** Source of the outage draws; tests pass a scripted one. */
  random?: () => number;
  /** How long a "timeout" hangs before its 504: longer than any client's timeout (default 30 s). */
  hangMs?: number;
  /** How the latency and the hang are waited out; tests pass one that records them. */
  wait?: Pause;
}

/**
 * Route middleware for business endpoints, run before the idempotency lookup: a retry can hit
 * the outage again, exactly as it would against a real provider. Order: latency, then timeout,
 * then error, each drawn independently.
 */
export function injectFailures({
  knobs,
  logger,
  random = Math.random,
  hangMs = 30_000,
  wait = pause,
}: InjectFailuresOptions): Middleware {
  return async (ctx, next) => {
    const { latencyMs, timeoutRate, errorRate } = knobs.get();
    if ((await wait(latencyMs, ctx.res)) === 'client-gone') return;
    if (timeoutRate > 0 && random() < timeoutRate) {
      logger.info({ hangMs }, 'injected timeout: holding the request');
      if ((await wait(hangMs, ctx.res)) === 'client-gone') return;
      send(ctx, {
        status: 504,
        body: problemBody(504, 'INJECTED_TIMEOUT', `injected timeout after ${hangMs} ms`),
      });
      return;
    }
    if (errorRate > 0 && random() < errorRate) {
      send(ctx, { status: 503, body: problemBody(503, 'INJECTED_ERROR', 'injected failure (errorRate)') });
      return;
    }
    await next();
  };
}

const rate = { type: 'number', minimum: 0, maximum: 1 } as const;

/** `GET /admin/failures`, `POST /admin/failures` (replace) and `DELETE /admin/failures` (all off). */
export function failureKnobsRouter<R extends string>(
  knobs: FailureKnobsStore<R>,
  businessRates: readonly R[],
  logger: Logger,
): Router {
  const validator = compileValidator<Partial<FailureKnobs<R>>>({
    type: 'object',
    additionalProperties: false,
    properties: {
      errorRate: rate,
      timeoutRate: rate,
      latencyMs: { type: 'integer', minimum: 0, maximum: 60_000 },
      ...Object.fromEntries(businessRates.map((name) => [name, rate])),
    },
  });
  const router = new Router();
  router.get('/admin/failures', (ctx) => {
    ctx.body = knobs.get();
  });
  router.post('/admin/failures', async (ctx) => {
    const applied = knobs.set(validator.validate(await readJsonBody(ctx, { allowEmpty: true })));
    logger.info({ failures: applied }, 'failure knobs set');
    ctx.body = applied;
  });
  router.delete('/admin/failures', (ctx) => {
    ctx.body = knobs.set({});
  });
  return router;
}
