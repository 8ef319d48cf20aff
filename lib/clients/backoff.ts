export interface BackoffOptions {
  /** Ceiling of the first retry's delay (default 100 ms); it doubles per retry. */
  baseMs?: number;
  /** Cap of any single delay (default 2000 ms). */
  maxMs?: number;
}

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff And Jitter): a uniform draw in
 * [0, min(max, base * 2^retry)). Spreads the retries of many clients that failed together, so
 * a recovering service is not hit by synchronised waves.
 */
export function fullJitterDelay(
  retry: number,
  { baseMs = 100, maxMs = 2000 }: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
