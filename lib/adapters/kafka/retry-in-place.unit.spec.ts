import { retryInPlace } from './retry-in-place';

const noSleep = async (): Promise<void> => {};

describe('retryInPlace', () => {
  it('retries a failing step, heartbeating between attempts, until it succeeds', async () => {
    let calls = 0;
    let beats = 0;
    const failures: number[] = [];
    const outcome = await retryInPlace(
      async () => {
        calls += 1;
        if (calls < 4) throw new Error(`blip ${calls}`);
        return 'written';
      },
      {
        stillOwned: () => true,
        heartbeat: async () => void (beats += 1),
        onFailure: (_err, attempt) => failures.push(attempt),
        sleep: noSleep,
      },
    );
    expect(outcome).toEqual({ done: true, value: 'written' });
    expect(failures).toEqual([1, 2, 3]);
    expect(beats).toBeGreaterThanOrEqual(3);
  });

  it('gives the step up, unsettled, once the partition is no longer owned', async () => {
    let owned = true;
    let calls = 0;
    const outcome = await retryInPlace(
      async () => {
        calls += 1;
        owned = calls < 2;
        throw new Error('mongodb away');
      },
      { stillOwned: () => owned, heartbeat: async () => {}, sleep: noSleep },
    );
    expect(outcome).toEqual({ done: false });
    expect(calls).toBe(2);
  });

  it('gives the step up when a heartbeat says the group is rebalancing', async () => {
    let calls = 0;
    const outcome = await retryInPlace(
      async () => {
        calls += 1;
        throw new Error('broker away');
      },
      {
        stillOwned: () => true,
        heartbeat: async () => {
          throw new Error('The group is rebalancing, so a rejoin is needed');
        },
        sleep: noSleep,
      },
    );
    expect(outcome).toEqual({ done: false });
    expect(calls).toBe(1);
  });
});
