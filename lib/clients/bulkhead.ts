import { BulkheadFullError } from './errors';

export interface BulkheadOptions {
  /** Name in errors and metrics (the dependency). */
  name: string;
  /** Tasks running at once (default 16). */
  maxConcurrent?: number;
  /** Tasks waiting for a slot (default 64); past it `run` rejects at once with BulkheadFullError. */
  maxQueue?: number;
}

export interface Bulkhead {
  /** Runs `task` when a slot is free; a signal aborted while waiting removes it from the queue. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly active: number;
  readonly queued: number;
}

/**
 * A concurrency limit with a bounded FIFO queue, so one slow dependency can hold at most
 * `maxConcurrent` sockets and `maxQueue` waiting callers of this process, not all of them.
 */
export function createBulkhead({ name, maxConcurrent = 16, maxQueue = 64 }: BulkheadOptions): Bulkhead {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`bulkhead maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  }
  if (!Number.isInteger(maxQueue) || maxQueue < 0) {
    throw new RangeError(`bulkhead maxQueue must be a non-negative integer, got ${maxQueue}`);
  }
  let active = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    // The slot passes straight to the next waiter, so `active` never dips and a newcomer
    // cannot overtake the queue.
    if (next) next();
    else active -= 1;
  };

  const acquire = (signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (active < maxConcurrent) {
      active += 1;
      return Promise.resolve();
    }
    if (waiting.length >= maxQueue)
      return Promise.reject(new BulkheadFullError(name, maxConcurrent, maxQueue));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(grant);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  return {
    async run(task, signal) {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
  };
}
