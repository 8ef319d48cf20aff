import { OrderstreamError } from '../../lib/errors';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A benchmark step that makes no progress for this long is stuck, and the run fails saying which. */
export class StalledError extends OrderstreamError {
  readonly code = 'BENCH_STALLED';
  constructor(what: string, ms: number) {
    super(`${what}: no progress for ${Math.round(ms / 1000)} s`);
  }
}

/**
 * Polls until `done()`; fails when `progress()` (a counter) has not moved for `stallMs`, so a slow
 * but moving run is never cut short while a stuck one ends in bounded time.
 */
export const waitUntil = async (
  what: string,
  done: () => boolean,
  { progress = () => 0, stallMs, pollMs = 10 }: { progress?: () => number; stallMs: number; pollMs?: number },
): Promise<void> => {
  let last = progress();
  let movedAt = Date.now();
  while (!done()) {
    await sleep(pollMs);
    const now = progress();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new StalledError(what, stallMs);
    }
  }
};

/** Calls `report` every `everyMs` until the returned function is called. */
export const every = (everyMs: number, report: () => void): (() => void) => {
  const timer = setInterval(report, everyMs);
  return () => clearInterval(timer);
};
