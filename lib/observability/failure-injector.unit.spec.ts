import { DependencyError, FailureInjectionDisabledError, FailureRulesFullError } from '../errors';
import { createFailureInjector, DEFAULT_FAILURE_DURATION_MS, MAX_FAILURE_RULES } from './failure-injector';

describe('createFailureInjector', () => {
  it('expires a rule after its duration', async () => {
    let now = 1_000;
    const injector = createFailureInjector({ enabled: true, now: () => now });
    injector.set({ target: 'kafka', mode: 'error', durationMs: 500 });
    await expect(injector.before('kafka')).rejects.toBeInstanceOf(DependencyError);
    now = 1_500;
    await expect(injector.before('kafka')).resolves.toBeUndefined();
    expect(injector.list()).toEqual([]);
  });

  it('affects only the given share of calls', async () => {
    const draws = [0.1, 0.9];
    const injector = createFailureInjector({ enabled: true, random: () => draws.shift() ?? 1 });
    injector.set({ target: 'payment-gateway', mode: 'error', rate: 0.5 });
    await expect(injector.before('payment-gateway')).rejects.toThrow('injected failure');
    await expect(injector.before('payment-gateway')).resolves.toBeUndefined();
  });

  it('applies a wildcard rule to every target, and a specific rule wins', async () => {
    const slept: number[] = [];
    const injector = createFailureInjector({ enabled: true, sleep: async (ms) => void slept.push(ms) });
    injector.set({ target: '*', mode: 'latency', latencyMs: 300 });
    injector.set({ target: 'redis', mode: 'latency', latencyMs: 5 });
    await injector.before('mongodb');
    await injector.before('redis');
    expect(slept).toEqual([300, 5]);
  });

  it('refuses every rule when the deployment did not enable it, and injects nothing', async () => {
    const injector = createFailureInjector({ enabled: false });
    expect(() => injector.set({ target: '*', mode: 'error' })).toThrow(FailureInjectionDisabledError);
    await expect(injector.before('kafka')).resolves.toBeUndefined();
    expect(injector.list()).toEqual([]);
  });

  it('holds at most a fixed number of targets; replacing or expiring one makes room', () => {
    let now = 0;
    const injector = createFailureInjector({ enabled: true, now: () => now });
    for (let i = 0; i < MAX_FAILURE_RULES; i += 1) {
      injector.set({ target: `t-${i}`, mode: 'error', durationMs: 1000 + i });
    }
    expect(() => injector.set({ target: 'one-more', mode: 'error' })).toThrow(FailureRulesFullError);
    expect(injector.set({ target: 't-0', mode: 'latency', latencyMs: 1 })).toMatchObject({ target: 't-0' });
    now = 1001;
    expect(injector.set({ target: 'one-more', mode: 'error' })).toMatchObject({ target: 'one-more' });
    expect(injector.list()).toHaveLength(MAX_FAILURE_RULES);
  });

  it('expires a rule given without a duration after the default duration', async () => {
    let now = 0;
    const injector = createFailureInjector({ enabled: true, now: () => now });
    injector.set({ target: 'kafka', mode: 'error' });
    now = DEFAULT_FAILURE_DURATION_MS - 1;
    await expect(injector.before('kafka')).rejects.toBeInstanceOf(DependencyError);
    now = DEFAULT_FAILURE_DURATION_MS;
    await expect(injector.before('kafka')).resolves.toBeUndefined();
  });
});
