import type { Admin } from '../../lib/adapters/kafka/types';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { WriteSideSaturatedError } from '../../lib/errors';
import { readGroupLag } from '../../lib/adapters/kafka/consumer-lag';
import type { Metrics } from '../../lib/observability/metrics';
import type { OwnedTopic } from './processor-ownership';
import { runEvery } from '../../lib/process/run-every';

export interface AdmissionOptions {
  admin: Admin;
  /** The processors' groups and the command topics they consume. */
  owned: readonly OwnedTopic[];
  /** Refuse new work while the processors are more than this many commands behind; 0 turns it off. */
  maxLag: number;
  checkEveryMs?: number;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
}

export interface Admission {
  /** Throws WriteSideSaturatedError while the write side is saturated. */
  admit(): void;
  /** The backlog as last read, and when. */
  state(): { lag: number; drainPerSecond: number; checkedAt?: string; refusing: boolean };
  stop(): void;
}

/** Retry-After bounds: long enough to matter, short enough that a recovered system is used at once. */
const MIN_RETRY_S = 1;
const MAX_RETRY_S = 30;

/**
 * Admission control (graceful overload): the command processors' lag on their command topics,
 * read from the broker every `checkEveryMs`, decides whether new work is taken. Past `maxLag` the
 * command API answers 429 with a Retry-After from the rate the backlog drains, so clients back off
 * instead of piling up commands that would only wait in Kafka (and time out at the API anyway).
 * Cancellations are always admitted: they take work away. A failed reading admits: admission
 * control must never stop a healthy system.
 */
export const createAdmission = (options: AdmissionOptions): Admission => {
  const { admin, owned, maxLag, logger, metrics } = options;
  const now = options.now ?? Date.now;
  let lag = 0;
  let drainPerSecond = 0;
  let checkedAt: number | undefined;
  const backlog = metrics.gauge({
    name: 'command_backlog',
    help: 'Commands the command processors have not handled yet, as admission control last read it',
  });
  const refusals = metrics.counter({
    name: 'admission_refusals_total',
    help: 'Requests refused with 429 because the write side was saturated',
  });

  const topicsByGroup = new Map<string, string[]>();
  for (const { groupId, topic } of owned)
    topicsByGroup.set(groupId, [...(topicsByGroup.get(groupId) ?? []), topic]);

  const check = async (): Promise<void> => {
    // One offsets request per group (the saga's covers every events topic), not one per topic.
    let total = 0;
    for (const [groupId, topics] of topicsByGroup)
      for (const p of await readGroupLag(admin, groupId, topics)) total += p.lag;
    const at = now();
    if (checkedAt !== undefined && at > checkedAt) {
      // Smoothed, so one quiet interval does not promise an instant recovery.
      const drained = Math.max(0, (lag - total) / ((at - checkedAt) / 1000));
      drainPerSecond = drainPerSecond === 0 ? drained : 0.7 * drainPerSecond + 0.3 * drained;
    }
    if (lag > maxLag !== total > maxLag)
      logger.warn(
        { lag: total, maxLag },
        total > maxLag ? 'write side saturated: refusing new work' : 'write side caught up: admitting',
      );
    lag = total;
    checkedAt = at;
    backlog.set(total);
  };

  const timer =
    maxLag > 0
      ? runEvery(
          options.checkEveryMs ?? 1_000,
          check,
          (err) => {
            logger.warn({ err }, 'reading the command backlog failed; admitting');
            lag = 0;
          },
          { unref: true },
        )
      : undefined;

  const refusing = () => maxLag > 0 && lag > maxLag;
  return {
    admit() {
      if (!refusing()) return;
      refusals.inc();
      const excess = lag - maxLag;
      const seconds = drainPerSecond > 0 ? Math.ceil(excess / drainPerSecond) : MAX_RETRY_S / 10;
      throw new WriteSideSaturatedError(lag, Math.min(MAX_RETRY_S, Math.max(MIN_RETRY_S, seconds)));
    },
    state: () => ({
      lag,
      drainPerSecond: Math.round(drainPerSecond * 10) / 10,
      ...(checkedAt !== undefined ? { checkedAt: new Date(checkedAt).toISOString() } : {}),
      refusing: refusing(),
    }),
    stop: () => timer?.stop(),
  };
};

/** New work on `/api/commands/**` goes through admission; cancellations take work away and pass. */
export const admissionControl =
  (admission: Admission): Middleware =>
  async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path.startsWith('/api/commands/') && !ctx.path.endsWith('/cancel'))
      admission.admit();
    await next();
  };
