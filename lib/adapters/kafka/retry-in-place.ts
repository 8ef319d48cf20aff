import { fullJitterDelay } from '../../clients/backoff';

export interface RetryInPlaceOptions {
  /** False once the partition is no longer ours (consumer stopping, seek, rebalance): give up. */
  stillOwned(): boolean;
  /** Keeps the group membership alive while we wait; throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** Called after each failed attempt, before the wait (logging, metrics, health). */
  onFailure?(err: unknown, attempt: number, delayMs: number): void;
  baseMs?: number;
  maxMs?: number;
  /** Longest stretch between two heartbeats while waiting. */
  heartbeatEveryMs?: number;
  sleep?(ms: number): Promise<void>;
}

/** What a step came to: its value, or `abandoned` when the partition was given up meanwhile. */
export type InPlace<T> = { done: true; value: T } | { done: false };

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `step` until it succeeds, waiting between attempts with capped exponential backoff and
 * full jitter, so a dependency outage holds the batch where it is instead of failing it. Failing
 * the batch would hand it to kafkajs, whose retrier crashes and restarts the consumer after a
 * few attempts and lets the other partitions of the same fetch commit around it. The wait
 * heartbeats; when the partition stops being ours, the step is abandoned (`done: false`) and the
 * caller must return without committing, so whoever owns it next starts again from the last
 * commit.
 */
export const retryInPlace = async <T>(
  step: () => Promise<T>,
  options: RetryInPlaceOptions,
): Promise<InPlace<T>> => {
  const sleep = options.sleep ?? wait;
  const beatEvery = options.heartbeatEveryMs ?? 1_000;
  for (let attempt = 0; options.stillOwned(); attempt++) {
    try {
      return { done: true, value: await step() };
    } catch (err) {
      const delay = fullJitterDelay(attempt, {
        baseMs: options.baseMs ?? 200,
        maxMs: options.maxMs ?? 5_000,
      });
      options.onFailure?.(err, attempt + 1, delay);
      let waited = 0;
      do {
        if (!options.stillOwned()) return { done: false };
        try {
          await options.heartbeat();
        } catch {
          // The group is rebalancing: the partition may go elsewhere. Leave it uncommitted.
          return { done: false };
        }
        const slice = Math.min(beatEvery, delay - waited);
        if (slice > 0) await sleep(slice);
        waited += slice;
      } while (waited < delay);
    }
  }
  return { done: false };
};
