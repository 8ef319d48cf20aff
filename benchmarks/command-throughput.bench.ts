import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { catalog } from '../domain/catalog/catalog';
import { createRedis } from '../lib/adapters/redis';
import { envVar, readConfig } from '../lib/config/env';
import { listen } from '../lib/http/app';
import { createMetrics, type Metrics } from '../lib/observability/metrics';
import { loadLocalKeyPair, localKeyVerifier } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';
import { createCommandApi } from '../producers/command-api/command-api';
import { openBenchEnvironment } from './lib/bench-environment';
import { createJsonClient, type JsonClient } from './lib/http-client';
import { createRecorder, type Outcome, type Recorder } from './lib/recorder';
import { provenance, writeResult } from './lib/results';
import { every, sleep } from './lib/wait';

/**
 * Sustained command throughput through the whole write path: HTTP → command API → Kafka →
 * command processor (decide, one transaction per batch) → reply topic → command API → HTTP.
 * BENCH_CONCURRENCY clients each loop "create an order, add two items" as fast as answers come.
 */
const config = readConfig(process.env, {
  BENCH_CONCURRENCY: envVar.int({ default: 32, min: 1, max: 1024 }),
  BENCH_DURATION_S: envVar.int({ default: 30, min: 1, max: 3600 }),
  BENCH_WARMUP_S: envVar.int({ default: 5, min: 0, max: 600 }),
  BENCH_MAX_COMMANDS: envVar.int({ default: 2_000_000, min: 1 }),
  BENCH_REQUEST_TIMEOUT_MS: envVar.int({ default: 10_000, min: 100 }),
  BENCH_REPLY_TIMEOUT_MS: envVar.int({ default: 5_000, min: 100 }),
  BENCH_SNAPSHOT_EVERY: envVar.int({ default: 100, min: 1 }),
  BENCH_LOG_LEVEL: envVar.oneOf(['debug', 'info', 'warn', 'error'] as const)({ default: 'error' }),
  BENCH_KEEP_TOPICS: envVar.bool({ default: false }),
});
const CONCURRENCY = config.BENCH_CONCURRENCY;
const NAME = `command-throughput-concurrency-${CONCURRENCY}`;
const PROGRESS_EVERY_MS = 5_000;

const skus = catalog.list().map((p) => p.sku);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

const timed = async (
  recorder: Recorder,
  kind: string,
  call: () => Promise<{ status: number; body: unknown }>,
): Promise<{ status: number; body: unknown } | undefined> => {
  const started = performance.now();
  let outcome: Outcome;
  let response: { status: number; body: unknown } | undefined;
  try {
    response = await call();
    outcome = response.status;
  } catch (err) {
    outcome = (err as { code?: string }).code ?? 'ERROR';
  }
  recorder.record(kind, started, performance.now(), outcome);
  return response;
};

/** One client: create an order, then add two items to it; a failed create starts over. */
const runClient = async (
  http: JsonClient,
  recorder: Recorder,
  client: number,
  keepGoing: () => boolean,
): Promise<void> => {
  for (let round = 0; keepGoing(); round++) {
    const first = skus[(client + round) % skus.length] as string;
    const created = await timed(recorder, 'create', () =>
      http.post('/api/commands/orders/create', {
        customerId: `c-${client}`,
        items: [{ sku: first, quantity: 1 }],
      }),
    );
    const orderId = (created?.body as { orderId?: unknown } | undefined)?.orderId;
    if (created?.status !== 201 || typeof orderId !== 'string') continue;
    for (let k = 1; k <= 2 && keepGoing(); k++) {
      const sku = skus[(client + round + k) % skus.length] as string;
      await timed(recorder, 'add-item', () =>
        http.post(`/api/commands/orders/${encodeURIComponent(orderId)}/add-item`, { sku, quantity: 1 }),
      );
    }
  }
};

/** Processor-side counters, read before and after the window to see how commands were batched. */
const processorCounters = async (metrics: Metrics) => {
  const sumOf = async (name: string, suffix?: string): Promise<number> => {
    const metric = metrics.registry.getSingleMetric(`orderstream_${name}`);
    const values = (await metric?.get())?.values ?? [];
    return (
      values
        // A histogram's values are its buckets, _sum and _count, told apart by metricName.
        .filter(
          (v) =>
            suffix === undefined ||
            (v as { metricName?: string }).metricName === `orderstream_${name}_${suffix}`,
        )
        .reduce((n, v) => n + v.value, 0)
    );
  };
  return {
    transactions: await sumOf('command_batch_duration_seconds', 'count'),
    transactionSeconds: await sumOf('command_batch_duration_seconds', 'sum'),
    commands: await sumOf('commands_total'),
  };
};

const cpuTimes = () =>
  os.cpus().reduce(
    (acc, cpu) => {
      const { idle, ...busy } = cpu.times;
      return { idle: acc.idle + idle, busy: acc.busy + Object.values(busy).reduce((a, b) => a + b, 0) };
    },
    { idle: 0, busy: 0 },
  );

const main = async (): Promise<void> => {
  // Anything else running on the machine (a test suite on the same broker) shows here.
  const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const env = await openBenchEnvironment('commands', {
    logLevel: config.BENCH_LOG_LEVEL,
    keepTopics: config.BENCH_KEEP_TOPICS,
  });
  const processorMetrics = createMetrics({ service: 'orders-command-processor', defaultMetrics: false });
  const processor = await env.startProcessor(config.BENCH_SNAPSHOT_EVERY, processorMetrics);
  const redis = createRedis(env.endpoints.redisUrl, 'bench-command-api');
  const key = await loadLocalKeyPair();
  const api = await createCommandApi({
    verifier: localKeyVerifier(key),
    kafka: env.kafka,
    redis,
    topics: env.topics,
    replyTimeoutMs: config.BENCH_REPLY_TIMEOUT_MS,
    logger: env.logger,
    metrics: createMetrics({ service: 'command-api', defaultMetrics: false }),
  });
  const server = await listen(api.app, 0, '127.0.0.1');
  api.health.markStarted();
  // An admin creates orders for many customers, as a load generator does.
  const token = await signToken(key, { subject: 'bench-admin', roles: ['admin'], ttlSeconds: 86_400 });
  const http = createJsonClient(server.url, {
    sockets: CONCURRENCY,
    timeoutMs: config.BENCH_REQUEST_TIMEOUT_MS,
    headers: { authorization: `Bearer ${token}` },
  });
  log(
    `command API ${server.url}, topics ${env.topics.prefix}*; ${CONCURRENCY} clients, ` +
      `${config.BENCH_WARMUP_S} s warm-up, ${config.BENCH_DURATION_S} s measured`,
  );

  try {
    const recorder = createRecorder();
    const started = performance.now();
    const measureFrom = started + config.BENCH_WARMUP_S * 1000;
    const measureTo = measureFrom + config.BENCH_DURATION_S * 1000;
    recorder.measure(measureFrom, measureTo);
    const keepGoing = () =>
      performance.now() < measureTo && recorder.totals().total < config.BENCH_MAX_COMMANDS;

    let last = { at: started, succeeded: 0 };
    const stopProgress = every(PROGRESS_EVERY_MS, () => {
      const now = performance.now();
      const { total, succeeded } = recorder.totals();
      const rate = ((succeeded - last.succeeded) * 1000) / (now - last.at);
      // Named after where the interval began: the line at the end of the warm-up reports the warm-up.
      const phase = last.at < measureFrom - 1 ? 'warm-up' : 'measure';
      last = { at: now, succeeded };
      log(
        `  ${phase} ${((now - started) / 1000).toFixed(0)} s: ${succeeded} commands ok of ${total}, ` +
          `${rate.toFixed(0)} commands/s now`,
      );
    });
    let before: Awaited<ReturnType<typeof processorCounters>> | undefined;
    let cpuBefore = cpuTimes();
    let processCpuBefore = process.cpuUsage();
    let loopBefore = performance.eventLoopUtilization();
    const windowOpened = sleep(Math.max(0, measureFrom - performance.now())).then(async () => {
      before = await processorCounters(processorMetrics);
      cpuBefore = cpuTimes();
      processCpuBefore = process.cpuUsage();
      loopBefore = performance.eventLoopUtilization();
    });

    await Promise.all(Array.from({ length: CONCURRENCY }, (_, c) => runClient(http, recorder, c, keepGoing)));
    await windowOpened;
    stopProgress();
    const windowMs = Math.min(performance.now(), measureTo) - measureFrom;
    const after = await processorCounters(processorMetrics);
    const cpuAfter = cpuTimes();
    const processCpu = process.cpuUsage(processCpuBefore);
    const loop = performance.eventLoopUtilization(loopBefore);

    const kinds = recorder.report();
    const succeeded = kinds.reduce((n, k) => n + k.succeeded, 0);
    const failed = kinds.reduce((n, k) => n + k.failed, 0);
    const transactions = after.transactions - (before?.transactions ?? 0);
    const commandsPerSecond = Math.round((succeeded * 10_000) / windowMs) / 10;
    log(
      `${commandsPerSecond} commands/s sustained (${succeeded} ok, ${failed} not ok in ${Math.round(windowMs)} ms)`,
    );
    const round1 = (n: number): number => Math.round(n * 10) / 10;

    const file = writeResult({
      name: NAME,
      description:
        'Sustained HTTP command throughput through the command API and the orders command processor, ' +
        'both in this process, on real Kafka; each client loops create order → add-item ×2.',
      ...provenance(),
      settings: {
        concurrency: CONCURRENCY,
        durationS: config.BENCH_DURATION_S,
        warmupS: config.BENCH_WARMUP_S,
        maxCommands: config.BENCH_MAX_COMMANDS,
        requestTimeoutMs: config.BENCH_REQUEST_TIMEOUT_MS,
        replyTimeoutMs: config.BENCH_REPLY_TIMEOUT_MS,
        snapshotEvery: config.BENCH_SNAPSHOT_EVERY,
        logLevel: config.BENCH_LOG_LEVEL,
        mix: 'create order, add-item, add-item (no Idempotency-Key, no If-Match)',
        client: 'node:http keep-alive, one socket per client, same process as the services',
        loadAverage1mAtStart: loadAtStart,
        servers: Object.entries(env.sources)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      },
      figures: {
        commandsPerSecond,
        succeeded,
        notSucceeded: failed,
        errorsByStatus: [...recorder.errors()].map(([key, count]) => `${key}: ${count}`).join(', ') || 'none',
        ...Object.fromEntries(
          kinds.flatMap((k) => [
            [`${k.kind}P50Ms`, k.p50Ms],
            [`${k.kind}P99Ms`, k.p99Ms],
          ]),
        ),
        processorTransactions: transactions,
        commandsPerTransaction:
          transactions > 0 ? round1((after.commands - (before?.commands ?? 0)) / transactions) : 0,
        meanTransactionMs:
          transactions > 0
            ? round1(((after.transactionSeconds - (before?.transactionSeconds ?? 0)) * 1000) / transactions)
            : 0,
        benchProcessCpuPercentOfOneCore: Math.round(
          ((processCpu.user + processCpu.system) / 1000 / windowMs) * 100,
        ),
        benchEventLoopUtilization: Math.round(loop.utilization * 100) / 100,
        machineCpuBusyPercent: Math.round(
          ((cpuAfter.busy - cpuBefore.busy) /
            (cpuAfter.busy - cpuBefore.busy + cpuAfter.idle - cpuBefore.idle)) *
            100,
        ),
      },
      tables: [
        {
          title: 'Latency per command (successful requests, all samples in the window)',
          columns: ['command', 'ok', 'not ok', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms'],
          rows: kinds.map((k) => [
            k.kind,
            k.succeeded,
            k.failed,
            k.p50Ms,
            k.p95Ms,
            k.p99Ms,
            k.maxMs,
            k.meanMs,
          ]),
        },
      ],
    });
    log(`result: ${file}`);
  } finally {
    await server.close();
    http.close();
    await api.stop().catch(() => {});
    await processor.stop().catch(() => {});
    await redis.quit().catch(() => {});
    await env.release();
  }
};

main().catch((err: unknown) => {
  process.stderr.write(
    `command throughput benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
