import { InvalidConfigError } from '../errors';
import { DEFAULT_GROUP_SETTINGS, readGroupSettings } from './group-settings';

describe('readGroupSettings', () => {
  it('defaults to the settings chosen for a 10 s failover', () => {
    expect(readGroupSettings({})).toEqual(DEFAULT_GROUP_SETTINGS);
    expect(DEFAULT_GROUP_SETTINGS).toEqual({
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 10_000,
    });
  });

  it('reads every setting from the environment', () => {
    expect(
      readGroupSettings({
        CONSUMER_SESSION_TIMEOUT_MS: '9000',
        CONSUMER_HEARTBEAT_INTERVAL_MS: '3000',
        CONSUMER_REBALANCE_TIMEOUT_MS: '20000',
      }),
    ).toEqual({ sessionTimeoutMs: 9_000, heartbeatIntervalMs: 3_000, rebalanceTimeoutMs: 20_000 });
  });

  it('refuses a session timeout under the broker minimum', () => {
    expect(() => readGroupSettings({ CONSUMER_SESSION_TIMEOUT_MS: '3000' })).toThrow(
      /CONSUMER_SESSION_TIMEOUT_MS/,
    );
  });

  it('names each variable of an unusable combination', () => {
    let error: unknown;
    try {
      readGroupSettings({
        CONSUMER_SESSION_TIMEOUT_MS: '6000',
        CONSUMER_HEARTBEAT_INTERVAL_MS: '2500',
        CONSUMER_REBALANCE_TIMEOUT_MS: '5000',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).problems.map((p) => p.variable)).toEqual([
      'CONSUMER_HEARTBEAT_INTERVAL_MS',
      'CONSUMER_REBALANCE_TIMEOUT_MS',
    ]);
  });
});
