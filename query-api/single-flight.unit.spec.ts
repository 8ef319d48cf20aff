import { createSingleFlight } from './single-flight';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('createSingleFlight', () => {
  it('runs one load for concurrent callers of one key', async () => {
    const flights = createSingleFlight<string>();
    const gate = deferred<string>();
    const load = jest.fn(() => gate.promise);
    const calls = Array.from({ length: 20 }, () => flights.run('k', load));
    expect(flights.inFlight).toBe(1);
    gate.resolve('v');
    expect(await Promise.all(calls)).toEqual(Array(20).fill('v'));
    expect(load).toHaveBeenCalledTimes(1);
    expect(flights.inFlight).toBe(0);
  });

  it('keeps keys apart', async () => {
    const flights = createSingleFlight<string>();
    const load = jest.fn(async () => 'x');
    await Promise.all([flights.run('a', load), flights.run('b', load)]);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('shares a failure, then forgets it so the next call retries', async () => {
    const flights = createSingleFlight<string>();
    const failing = jest.fn(async () => {
      throw new Error('down');
    });
    const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failing).toHaveBeenCalledTimes(1);
    await expect(flights.run('k', async () => 'up')).resolves.toBe('up');
  });

  it('turns a synchronous throw into a rejection', async () => {
    const flights = createSingleFlight<string>();
    await expect(
      flights.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(flights.inFlight).toBe(0);
  });
});
