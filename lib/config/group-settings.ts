import type { GroupSettings } from '../adapters/kafka/client';
import { InvalidConfigError } from '../errors';
import { envVar, readConfig, type Env } from './env';

/** Broker default of group.min.session.timeout.ms, which the local stack keeps (stack/services/kafka.ts). */
export const MIN_SESSION_TIMEOUT_MS = 6_000;

/**
 * Chosen for failover within 10 s (`npm run bench:failover`): a SIGKILLed member is dropped 5–6 s
 * after its last heartbeat and the survivors hear of the rebalance within a second. kafkajs 2.2.4
 * has neither static membership nor cooperative rebalancing, so these and the restart speed are
 * the only levers. The cost: a member that blocks longer than the session timeout without a
 * heartbeat (a restore of a huge partition inside a batch) is dropped and its partitions move.
 */
export const DEFAULT_GROUP_SETTINGS: GroupSettings = {
  sessionTimeoutMs: MIN_SESSION_TIMEOUT_MS,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 10_000,
};

export const groupSettingsSpec = {
  CONSUMER_SESSION_TIMEOUT_MS: envVar.int({
    default: DEFAULT_GROUP_SETTINGS.sessionTimeoutMs,
    min: MIN_SESSION_TIMEOUT_MS,
    max: 300_000,
  }),
  CONSUMER_HEARTBEAT_INTERVAL_MS: envVar.int({
    default: DEFAULT_GROUP_SETTINGS.heartbeatIntervalMs,
    min: 100,
    max: 100_000,
  }),
  CONSUMER_REBALANCE_TIMEOUT_MS: envVar.int({
    default: DEFAULT_GROUP_SETTINGS.rebalanceTimeoutMs,
    min: 1_000,
    max: 600_000,
  }),
};

/** Problems of a combination of settings, each naming the variable to change. */
export const groupSettingsProblems = (s: GroupSettings): { variable: string; message: string }[] => {
  const problems: { variable: string; message: string }[] = [];
  // Several heartbeats per session, or one late heartbeat drops a healthy member.
  if (s.heartbeatIntervalMs * 3 > s.sessionTimeoutMs)
    problems.push({
      variable: 'CONSUMER_HEARTBEAT_INTERVAL_MS',
      message: `must be at most a third of CONSUMER_SESSION_TIMEOUT_MS (${s.sessionTimeoutMs}), got ${s.heartbeatIntervalMs}`,
    });
  if (s.rebalanceTimeoutMs < s.sessionTimeoutMs)
    problems.push({
      variable: 'CONSUMER_REBALANCE_TIMEOUT_MS',
      message: `must be at least CONSUMER_SESSION_TIMEOUT_MS (${s.sessionTimeoutMs}), got ${s.rebalanceTimeoutMs}`,
    });
  return problems;
};

/** The consumer group timing of a process, from its environment, validated as a whole. */
export const readGroupSettings = (env: Env): GroupSettings => {
  const config = readConfig(env, groupSettingsSpec);
  const settings: GroupSettings = {
    sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: config.CONSUMER_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeoutMs: config.CONSUMER_REBALANCE_TIMEOUT_MS,
  };
  const problems = groupSettingsProblems(settings);
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return settings;
};
