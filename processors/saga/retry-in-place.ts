export interface RetryInPlaceOptions {
  /** False once the consumer stops or the partition is seeked/reassigned: give up without settling. */
  live: () => boolean;
  /** The consumer's heartbeat, so a long retry does not cost the partition. */
  heartbeat: () => Promise<void>;
  onRetry?: (err: unknown, attempt: number) => void;
  /** Attempts in all before the last error is thrown (the consumer's crash path takes over). */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

const HEARTBEAT_SLICE_MS = 1_000;

/**
 * Runs `attempt` until it resolves, waiting between tries with capped exponential backoff and
 * full jitter (so several partitions failing together do not retry in lockstep), heartbeating
 * while it waits. It retries in place because of how kafkajs treats a throwing eachBatch
 * (consumer/runner.js): the error goes up to the fetch loop, which restarts fetching while
 * other partitions go on, and the failed partition's position is what was resolved, not what
 * was committed; a transactional consumer could then commit a later batch past the failed one.
 * Holding the partition here keeps its order: nothing after the failed record is processed
 * until it has been. Resolves true when the attempt succeeded, false when the consumer is no
 * longer live (stopping, or the partition moved): the caller then returns without resolving.
 */
export const retryInPlace = async (
  attempt: () => Promise<void>,
  options: RetryInPlaceOptions,
): Promise<boolean> => {
  const maxAttempts = options.maxAttempts ?? 30;
  const initial = options.initialDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5_000;
  for (let n = 1; ; n++) {
    if (!options.live()) return false;
    try {
      await attempt();
      return true;
    } catch (err) {
      if (n >= maxAttempts) throw err;
      options.onRetry?.(err, n);
      let wait = Math.random() * Math.min(cap, initial * 2 ** (n - 1));
      while (wait > 0) {
        if (!options.live()) return false;
        const slice = Math.min(wait, HEARTBEAT_SLICE_MS);
        await new Promise((resolve) => setTimeout(resolve, slice));
        wait -= slice;
        await options.heartbeat();
      }
    }
  }
};
