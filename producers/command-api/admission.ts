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
  /** Refuse new work while the processors are more than this many records behind; 0 turns it off. */
  maxLag: number;
  /**
   * Refuse new work while the backlog would take longer than this to work off at the rate the
   * processors are getting through it; 0 turns it off. A record count alone lets a slow system
   * queue minutes of work under its bound.
   */
  maxWaitMs?: number;
  checkEveryMs?: number;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
}

export interface Admission {
  /** Throws WriteSideSaturatedError while the write side is saturated. */
  admit(): void;
  /** The backlog as last read, and when. */
  state(): {
    lag: number;
    processedPerSecond: number;
    waitSeconds?: number;
    checkedAt?: string;
    refusing: boolean;
  };
  stop(): void;
}

/** Retry-After bounds: long enough to matter, short enough that a recovered system is used at once. */
const MIN_RETRY_S = 1;
const MAX_RETRY_S = 30;
/**
 * Below this many records the wait bound does not apply: the rate there is noise, and it clears in
 * moments. Nor below two per partition watched: a partition whose last record is a transaction's
 * commit marker can show one record of lag that no consumer will ever take.
 */
export const MIN_LAG_FOR_WAIT = 100;

export interface BacklogReading {
  /** Records the groups have not handled. */
  lag: number;
  /** The sum of the groups' committed positions: how far they have got. */
  position: number;
  /** How many partitions the reading covers. */
  partitions: number;
  at: number;
}

export interface AdmissionLimits {
  maxLag: number;
  maxWaitMs: number;
}

export interface BacklogAssessment {
  lag: number;
  /** Records handled per second, smoothed over the readings. */
  processedPerSecond: number;
  /** How long the backlog takes to work off at that rate (Infinity when nothing is handled). */
  waitMs: number;
  refusing: boolean;
  /** What a refused client is told to wait: the time until the backlog is back within bounds. */
  retryAfterSeconds: number;
}

/**
 * The admission rule, pure: from the last assessment and a new reading, how fast the backlog is
 * worked off and whether new work waits outside (429) instead of in Kafka.
 */
export const assessBacklog = (
  previous: (BacklogAssessment & { reading: BacklogReading }) | undefined,
  reading: BacklogReading,
  limits: AdmissionLimits,
): BacklogAssessment => {
  let processedPerSecond = previous?.processedPerSecond ?? 0;
  if (previous && reading.at > previous.reading.at) {
    const moved = reading.position - previous.reading.position;
    // A position that went back (a group reset, a partition added) says nothing about the rate.
    if (moved >= 0) {
      const rate = moved / ((reading.at - previous.reading.at) / 1000);
      // Smoothed, so one quiet interval neither blocks nor promises an instant recovery.
      processedPerSecond =
        previous.processedPerSecond === 0 ? rate : 0.7 * previous.processedPerSecond + 0.3 * rate;
    }
  }
  const { lag } = reading;
  const waitMs = lag === 0 ? 0 : processedPerSecond > 0 ? (lag / processedPerSecond) * 1000 : Infinity;
  const overLag = limits.maxLag > 0 && lag > limits.maxLag;
  const floor = Math.max(MIN_LAG_FOR_WAIT, 2 * reading.partitions);
  const overWait = limits.maxWaitMs > 0 && lag >= floor && waitMs > limits.maxWaitMs;
  // The backlog the limits allow at this rate; what is above it is what a client should wait out.
  const allowed = Math.min(
    limits.maxLag > 0 ? limits.maxLag : Infinity,
    limits.maxWaitMs > 0 ? Math.max(floor, (processedPerSecond * limits.maxWaitMs) / 1000) : Infinity,
  );
  const seconds =
    processedPerSecond > 0 ? Math.ceil(Math.max(0, lag - allowed) / processedPerSecond) : MAX_RETRY_S / 10;
  return {
    lag,
    processedPerSecond,
    waitMs,
    refusing: overLag || overWait,
    retryAfterSeconds: Math.min(MAX_RETRY_S, Math.max(MIN_RETRY_S, seconds)),
  };
};

/**
 * Admission control (graceful overload): the command processors' lag on their command topics and
 * the saga's on the events topics, read from the broker every `checkEveryMs`, decide whether new
 * work is taken. Past `maxLag` records, or past `maxWaitMs` of work at the rate the processors
 * get through it, the command API answers 429 with a Retry-After, so clients back off instead of
 * piling up commands that would only wait in Kafka (and time out at the API anyway).
 * Cancellations are always admitted: they take work away. A failed reading admits: admission
 * control must never stop a healthy system.
 */
export const createAdmission = (options: AdmissionOptions): Admission => {
  const { admin, owned, logger, metrics } = options;
  const limits: AdmissionLimits = { maxLag: options.maxLag, maxWaitMs: options.maxWaitMs ?? 0 };
  const now = options.now ?? Date.now;
  let last: (BacklogAssessment & { reading: BacklogReading }) | undefined;
  let refusal: WriteSideSaturatedError | undefined;
  const backlog = metrics.gauge({
    name: 'command_backlog',
    help: 'Records the command processors and the saga have not handled yet, as admission control last read it',
  });
  const backlogWait = metrics.gauge({
    name: 'command_backlog_wait_seconds',
    help: 'How long that backlog takes to work off at the rate it is being handled, as admission control last read it',
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
    let lag = 0;
    let position = 0;
    let partitions = 0;
    for (const [groupId, topics] of topicsByGroup)
      for (const p of await readGroupLag(admin, groupId, topics)) {
        lag += p.lag;
        position += p.position;
        partitions += 1;
      }
    const reading = { lag, position, partitions, at: now() };
    const assessment = assessBacklog(last, reading, limits);
    if ((last?.refusing ?? false) !== assessment.refusing)
      logger.warn(
        { lag, waitSeconds: seconds(assessment.waitMs), ...limits },
        assessment.refusing ? 'write side saturated: refusing new work' : 'write side caught up: admitting',
      );
    last = { ...assessment, reading };
    // One refusal per reading, thrown to every request it refuses: under overload thousands of
    // requests a second are refused, and each new Error would capture a stack nobody reads.
    refusal = assessment.refusing
      ? new WriteSideSaturatedError(assessment.lag, assessment.retryAfterSeconds)
      : undefined;
    backlog.set(lag);
    backlogWait.set(Number.isFinite(assessment.waitMs) ? assessment.waitMs / 1000 : -1);
  };

  const active = limits.maxLag > 0 || limits.maxWaitMs > 0;
  const timer = active
    ? runEvery(
        options.checkEveryMs ?? 1_000,
        check,
        (err) => {
          logger.warn({ err }, 'reading the command backlog failed; admitting');
          last = undefined;
          refusal = undefined;
        },
        { unref: true },
      )
    : undefined;

  return {
    admit() {
      if (refusal === undefined) return;
      refusals.inc();
      throw refusal;
    },
    state: () => ({
      lag: last?.lag ?? 0,
      processedPerSecond: Math.round((last?.processedPerSecond ?? 0) * 10) / 10,
      ...(last && Number.isFinite(last.waitMs) ? { waitSeconds: seconds(last.waitMs) } : {}),
      ...(last ? { checkedAt: new Date(last.reading.at).toISOString() } : {}),
      refusing: last?.refusing ?? false,
    }),
    stop: () => timer?.stop(),
  };
};

const seconds = (ms: number): number => (Number.isFinite(ms) ? Math.round(ms / 100) / 10 : Infinity);

/** New work on `/api/commands/**` goes through admission; cancellations take work away and pass. */
export const admissionControl =
  (admission: Admission): Middleware =>
  async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path.startsWith('/api/commands/') && !ctx.path.endsWith('/cancel'))
      admission.admit();
    await next();
  };
