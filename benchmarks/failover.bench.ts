import os from 'node:os';
import { envVar, readConfig } from '../lib/config/env';
import { DEFAULT_GROUP_SETTINGS, readGroupSettings } from '../lib/config/group-settings';
import { DEFAULT_RESTART_POLICY } from '../lib/process/supervisor';
import { findInfrastructure } from '../stack/finder';
import { consoleProgress } from '../stack/progress';
import {
  partitionGaps,
  startOrderTraffic,
  startSupervisedProcessors,
} from '../test/support/supervised-processors';
import { until } from '../test/support/eventually';
import { provenance, writeResult, type Scalar } from './lib/results';

/**
 * How long a SIGKILLed processors process leaves its partitions unprocessed: the real process
 * (processors/main.ts) under the supervisor `npm start` uses, CreateOrder commands flowing at
 * BENCH_RATE per second, BENCH_KILLS SIGKILLs spaced so each restart counts as a fresh crash.
 * Per kill, the gap is the time from the kill until every orders partition that received a
 * command has answered one again; the supervisor's restart, the process start, the group's wait
 * for the dead member (session timeout) and the partitions' restore all fall inside it.
 */
const config = readConfig(process.env, {
  BENCH_KILLS: envVar.int({ default: 5, min: 1, max: 50 }),
  BENCH_RATE: envVar.int({ default: 10, min: 1, max: 200 }),
  BENCH_SETTLE_S: envVar.int({ default: 12, min: 1, max: 300 }),
  BENCH_TIMEOUT_S: envVar.int({ default: 120, min: 10, max: 900 }),
});
const groupSettings = readGroupSettings(process.env);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

const main = async (): Promise<void> => {
  const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const found = await findInfrastructure(consoleProgress());
  const processors = await startSupervisedProcessors({
    kafkaBrokers: found.endpoints.kafkaBrokers,
    schemaRegistryUrl: found.endpoints.schemaRegistryUrl,
    prefix: `bench-failover-${Date.now()}.`,
    env: {
      CONSUMER_SESSION_TIMEOUT_MS: String(groupSettings.sessionTimeoutMs),
      CONSUMER_HEARTBEAT_INTERVAL_MS: String(groupSettings.heartbeatIntervalMs),
      CONSUMER_REBALANCE_TIMEOUT_MS: String(groupSettings.rebalanceTimeoutMs),
    },
  });
  const traffic = await startOrderTraffic(found.endpoints.kafkaBrokers, processors.topics);
  const output = () => processors.recentOutput().slice(-20).join('\n');
  const timeoutMs = config.BENCH_TIMEOUT_S * 1000;
  const rows: Scalar[][] = [];
  const gaps: number[] = [];
  const restarts: number[] = [];
  try {
    const first = await traffic.sendOne();
    await until(
      'the first command answered',
      () => first.repliedAt !== undefined,
      timeoutMs,
      () => `processors never answered:\n${output()}`,
    );
    log('processors answer; starting the traffic');
    const stopFlow = traffic.flow(config.BENCH_RATE);
    await sleep(config.BENCH_SETTLE_S * 1000);
    for (let kill = 1; kill <= config.BENCH_KILLS; kill++) {
      let spawnedAt = 0;
      const off = processors.supervisor.on((e) => {
        if (e.type === 'started' && e.name === 'processors') spawnedAt = Date.now();
      });
      const killedAt = Date.now();
      processors.supervisor.kill('processors', 'SIGKILL');
      const partitionsAfter = () =>
        new Set(traffic.sent.filter((c) => c.sentAt > killedAt).map((c) => c.partition));
      // Wait until every partition that got a command since the kill has answered one.
      await until(
        'every partition answered since the kill',
        () => {
          const answered = partitionGaps(traffic.sent, killedAt);
          const expected = partitionsAfter();
          return (
            expected.size > 0 && Date.now() - killedAt > 1_000 && [...expected].every((p) => answered.has(p))
          );
        },
        timeoutMs,
        () => `kill ${kill}: partitions did not answer again:\n${output()}`,
      );
      off();
      const perPartition = partitionGaps(traffic.sent, killedAt);
      const gap = Math.max(...perPartition.values());
      const firstAnswer = Math.min(...perPartition.values());
      gaps.push(gap);
      restarts.push(spawnedAt - killedAt);
      rows.push([kill, spawnedAt - killedAt, firstAnswer, gap, perPartition.size]);
      log(
        `kill ${kill}: restarted after ${spawnedAt - killedAt} ms, first partition answered after ${firstAnswer} ms, all ${perPartition.size} after ${gap} ms`,
      );
      // Stay up past the supervisor's stable period, so the next kill is a fresh crash, not a loop.
      await sleep(Math.max(config.BENCH_SETTLE_S * 1000, DEFAULT_RESTART_POLICY.stableAfterMs + 1_000));
    }
    await stopFlow();
    await until(
      'every command answered',
      () => traffic.unanswered().length === 0,
      timeoutMs,
      () => `${traffic.unanswered().length} commands unanswered:\n${output()}`,
    );
    const result = {
      name: `failover-session-${groupSettings.sessionTimeoutMs}-kills-${config.BENCH_KILLS}`,
      description:
        'SIGKILL of the processors process under CreateOrder traffic, restarted by the npm start supervisor: time from the kill until every orders partition answers again (benchmarks/failover.bench.ts).',
      ...provenance(),
      settings: {
        kills: config.BENCH_KILLS,
        commandsPerSecond: config.BENCH_RATE,
        settleSeconds: config.BENCH_SETTLE_S,
        sessionTimeoutMs: groupSettings.sessionTimeoutMs,
        heartbeatIntervalMs: groupSettings.heartbeatIntervalMs,
        rebalanceTimeoutMs: groupSettings.rebalanceTimeoutMs,
        defaultsChosen: JSON.stringify(DEFAULT_GROUP_SETTINGS) === JSON.stringify(groupSettings),
        restartInitialDelayMs: DEFAULT_RESTART_POLICY.initialDelayMs,
        loadAverageAtStart: loadAtStart,
      },
      figures: {
        gapP50Ms: percentile(gaps, 50),
        gapMaxMs: Math.max(...gaps),
        restartP50Ms: percentile(restarts, 50),
        commandsSent: traffic.sent.length,
        commandsUnanswered: traffic.unanswered().length,
        publishRetries: traffic.publishRetries,
        processorRestarts: processors.supervisor.restarts('processors'),
      },
      tables: [
        {
          title: 'Per kill (ms after the SIGKILL)',
          columns: [
            'kill',
            'process restarted',
            'first partition answered',
            'all partitions answered',
            'partitions',
          ],
          rows,
        },
      ],
    };
    log(`written ${writeResult(result)}`);
    log(JSON.stringify(result.figures));
  } finally {
    await traffic.close();
    await processors.stop();
  }
};

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:failover failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
