import { ProbeWaitStrategy } from './probe-wait-strategy';

const container = (states: boolean[]) => {
  let i = 0;
  return {
    id: 'c1',
    inspect: async () => {
      const running = states[Math.min(i++, states.length - 1)] as boolean;
      return {
        State: { Running: running, ExitCode: running ? 0 : 1, Status: running ? 'running' : 'exited' },
      };
    },
  };
};

describe('ProbeWaitStrategy', () => {
  it('returns once the probe answers, after polling while it does not', async () => {
    const answers = [false, false, true];
    let asked = 0;
    const strategy = new ProbeWaitStrategy('kafka', async () => answers[asked++] as boolean, undefined, 1);
    await strategy.waitFor(container([true]));
    expect(asked).toBe(3);
  });

  it('counts a probe that throws as not ready yet', async () => {
    let asked = 0;
    const strategy = new ProbeWaitStrategy(
      'mongo',
      async () => {
        asked++;
        if (asked < 3) throw new Error('ECONNREFUSED');
        return true;
      },
      undefined,
      1,
    );
    await strategy.waitFor(container([true]));
    expect(asked).toBe(3);
  });

  it('fails at once with the logs when the container stops', async () => {
    const strategy = new ProbeWaitStrategy(
      'redis',
      async () => false,
      (id) => `logs of ${id}`,
      1,
    );
    await expect(strategy.waitFor(container([true, false]))).rejects.toThrow(
      /redis container exited \(exit 1\) before it answered\nlogs of c1/,
    );
  });

  it('fails after the startup timeout when the probe never answers', async () => {
    const strategy = new ProbeWaitStrategy(
      'registry',
      async () => false,
      () => 'last lines',
      5,
    );
    strategy.withStartupTimeout(30);
    expect(strategy.isStartupTimeoutSet()).toBe(true);
    expect(strategy.getStartupTimeout()).toBe(30);
    await expect(strategy.waitFor(container([true]))).rejects.toThrow(
      /registry did not answer within 0.03 s/,
    );
  });
});
