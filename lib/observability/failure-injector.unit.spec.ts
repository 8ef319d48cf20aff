import { DependencyError } from '../errors';
import { createFailureInjector } from './failure-injector';

describe('createFailureInjector', () => {
  it('expires a rule after its duration', async () => {
    let now = 1_000;
    const injector = createFailureInjector({ now: () => now });
    injector.set({ target: 'kafka', mode: 'error', durationMs: 500 });
    await expect(injector.before('kafka')).rejects.toBeInstanceOf(DependencyError);
    now = 1_500;
    await expect(injector.before('kafka')).resolves.toBeUndefined();
    expect(injector.list()).toEqual([]);
  });

  it('affects only the given share of calls', async () => {
    const draws = [0.1, 0.9];
    const injector = createFailureInjector({ random: () => draws.shift() ?? 1 });
    injector.set({ target: 'payment-gateway', mode: 'error', rate: 0.5 });
    await expect(injector.before('payment-gateway')).rejects.toThrow('injected failure');
    await expect(injector.before('payment-gateway')).resolves.toBeUndefined();
  });

  it('applies a wildcard rule to every target, and a specific rule wins', async () => {
    const slept: number[] = [];
    const injector = createFailureInjector({ sleep: async (ms) => void slept.push(ms) });
    injector.set({ target: '*', mode: 'latency', latencyMs: 300 });
    injector.set({ target: 'redis', mode: 'latency', latencyMs: 5 });
    await injector.before('mongodb');
    await injector.before('redis');
    expect(slept).toEqual([300, 5]);
  });
});
