import { fullJitterDelay, sleep } from './backoff';
import { createBulkhead } from './bulkhead';
import { BulkheadFullError } from './errors';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('createBulkhead', () => {
  it('runs at most maxConcurrent tasks at once, the rest in arrival order', async () => {
    const bulkhead = createBulkhead({ name: 'dep', maxConcurrent: 3, maxQueue: 10 });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 8 }, deferred);
    const runs = gates.map((gate, i) =>
      bulkhead.run(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        await gate.promise;
        running -= 1;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(bulkhead.active).toBe(3);
    expect(bulkhead.queued).toBe(5);
    for (const gate of gates) {
      gate.resolve();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(bulkhead.active).toBe(0);
  });

  it('rejects at once when the queue is full, and frees the slot when a task fails', async () => {
    const bulkhead = createBulkhead({ name: 'dep', maxConcurrent: 1, maxQueue: 1 });
    const gate = deferred();
    const first = bulkhead.run(async () => {
      await gate.promise;
      throw new Error('task failed');
    });
    const second = bulkhead.run(async () => 'second');
    await expect(bulkhead.run(async () => 'third')).rejects.toBeInstanceOf(BulkheadFullError);
    gate.resolve();
    await expect(first).rejects.toThrow('task failed');
    await expect(second).resolves.toBe('second');
    expect(bulkhead.active).toBe(0);
  });

  it('drops a waiter whose signal aborts', async () => {
    const bulkhead = createBulkhead({ name: 'dep', maxConcurrent: 1, maxQueue: 5 });
    const gate = deferred();
    const first = bulkhead.run(() => gate.promise);
    const controller = new AbortController();
    const ran = jest.fn(async () => undefined);
    const waiting = bulkhead.run(ran, controller.signal);
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    expect(bulkhead.queued).toBe(0);
    gate.resolve();
    await first;
    expect(ran).not.toHaveBeenCalled();
  });

  it('refuses nonsensical limits', () => {
    expect(() => createBulkhead({ name: 'dep', maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => createBulkhead({ name: 'dep', maxQueue: -1 })).toThrow(RangeError);
  });
});

describe('fullJitterDelay', () => {
  it('draws below base * 2^retry, capped at maxMs', () => {
    expect(fullJitterDelay(0, { baseMs: 100 }, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, { baseMs: 100, maxMs: 10_000 }, () => 0.5)).toBe(400);
    expect(fullJitterDelay(10, { baseMs: 100, maxMs: 2000 }, () => 0.999)).toBe(1998);
    expect(fullJitterDelay(2, {}, () => 0)).toBe(0);
  });

  it('sleeps, and stops sleeping when the signal aborts', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
