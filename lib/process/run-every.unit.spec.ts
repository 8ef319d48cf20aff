import { runEvery } from './run-every';

describe('runEvery', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a round every interval and skips the ones due while a round still runs', async () => {
    let started = 0;
    let finish: () => void = () => undefined;
    const timer = runEvery(
      100,
      () => {
        started += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      () => undefined,
    );
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(1);
    await jest.advanceTimersByTimeAsync(300); // three intervals while the first round is running
    expect(started).toBe(1);
    finish();
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(2);
    timer.stop();
  });

  it('hands a failed round to onError and runs the next one', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const timer = runEvery(
      50,
      async () => {
        rounds += 1;
        if (rounds === 1) throw new Error('broker away');
      },
      (err) => errors.push(err),
    );
    await jest.advanceTimersByTimeAsync(100);
    expect(rounds).toBe(2);
    expect(errors).toEqual([new Error('broker away')]);
    timer.stop();
  });

  it('runs no round after stop', async () => {
    let rounds = 0;
    const timer = runEvery(
      50,
      async () => void (rounds += 1),
      () => undefined,
    );
    timer.stop();
    await jest.advanceTimersByTimeAsync(500);
    expect(rounds).toBe(0);
  });
});
