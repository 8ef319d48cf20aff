import { assessBacklog, MIN_LAG_FOR_WAIT, type BacklogReading } from './admission';

/** Readings one second apart, each with the lag and position given. */
const run = (
  readings: [lag: number, position: number][],
  limits = { maxLag: 2000, maxWaitMs: 3000 },
  partitions = 12,
) => {
  let previous: (ReturnType<typeof assessBacklog> & { reading: BacklogReading }) | undefined;
  readings.forEach(([lag, position], i) => {
    const reading = { lag, position, partitions, at: 1_000 * i };
    previous = { ...assessBacklog(previous, reading, limits), reading };
  });
  return previous as NonNullable<typeof previous>;
};

describe('admission: when the write side takes no new work', () => {
  it('admits an idle write side', () => {
    expect(
      run([
        [0, 10],
        [0, 10],
        [0, 10],
      ]),
    ).toMatchObject({ lag: 0, waitMs: 0, refusing: false });
  });

  it('admits a deep backlog that is worked off within the wait bound', () => {
    // 1,000 records behind, handled at 500 a second: two seconds of work.
    const a = run([
      [1_000, 0],
      [1_000, 500],
      [1_000, 1_000],
    ]);
    expect(a.processedPerSecond).toBe(500);
    expect(a.waitMs).toBe(2_000);
    expect(a.refusing).toBe(false);
  });

  it('refuses a backlog under the record bound that would take longer than the wait bound', () => {
    // 400 records behind but only 50 a second handled: eight seconds of work.
    const a = run([
      [400, 0],
      [400, 50],
      [400, 100],
    ]);
    expect(a.waitMs).toBe(8_000);
    expect(a.refusing).toBe(true);
    // Back within bounds once 400 - 3 s × 50 = 250 records are handled: 5 s at 50 a second.
    expect(a.retryAfterSeconds).toBe(5);
  });

  it('refuses past the record bound however fast the backlog moves', () => {
    const a = run([
      [2_500, 0],
      [2_500, 2_000],
      [2_500, 4_000],
    ]);
    expect(a.waitMs).toBeLessThan(3_000);
    expect(a.refusing).toBe(true);
    expect(a.retryAfterSeconds).toBe(1);
  });

  it('refuses a stalled write side once its backlog reaches the floor of the wait bound', () => {
    expect(
      run([
        [MIN_LAG_FOR_WAIT - 1, 0],
        [MIN_LAG_FOR_WAIT - 1, 0],
      ]).refusing,
    ).toBe(false);
    const stalled = run([
      [MIN_LAG_FOR_WAIT, 0],
      [MIN_LAG_FOR_WAIT, 0],
    ]);
    expect(stalled.waitMs).toBe(Infinity);
    expect(stalled.refusing).toBe(true);
    expect(stalled.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('leaves alone a backlog of a couple of records per partition that nothing takes (commit markers)', () => {
    // 288 partitions, each ending in a marker its group will not consume: 288 records that never move.
    expect(
      run(
        [
          [288, 5_000],
          [288, 5_000],
          [288, 5_000],
        ],
        undefined,
        288,
      ).refusing,
    ).toBe(false);
    expect(
      run(
        [
          [577, 5_000],
          [577, 5_000],
        ],
        undefined,
        288,
      ).refusing,
    ).toBe(true);
  });

  it('tells a refused client to wait until the backlog is down to the floor the wait bound starts at', () => {
    // 288 partitions: the floor is 576 records. 700 behind at 10 a second: 124 above it, 13 s.
    const a = run(
      [
        [700, 0],
        [700, 10],
        [700, 20],
      ],
      undefined,
      288,
    );
    expect(a.refusing).toBe(true);
    expect(a.retryAfterSeconds).toBe(13);
  });

  it('takes a position that went back (a reset group) as no news about the rate', () => {
    const a = run([
      [400, 0],
      [400, 200],
      [400, 0],
    ]);
    expect(a.processedPerSecond).toBe(200);
  });

  it('applies neither bound when both are off', () => {
    expect(
      run(
        [
          [50_000, 0],
          [50_000, 0],
        ],
        { maxLag: 0, maxWaitMs: 0 },
      ).refusing,
    ).toBe(false);
  });
});
