import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfiles } from '../benchmarks/lib/cpu-profile';
import { createGetClient } from '../benchmarks/lib/http-get';
import { provenance } from '../benchmarks/lib/results';
import { startLoad, type Load } from '../chaos/load';
import { startObserver, type Observer } from '../chaos/observer';
import { startChaosSystem, type ChaosSystem } from '../chaos/system';
import { createKafka } from '../lib/adapters/kafka/client';
import { loadLocalKeyPair } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { createProjectionDecoders } from '../lib/read-models/projections/projection-decoders';
import { sagaStepOf } from './saga-step';
import { overloadStepOf } from './overload-step';
import {
  HARNESS_PROCESS,
  type ApiStep,
  type IdleWindow,
  type LoadtestResult,
  type OverloadStep,
  type SagaStep,
} from './model';
import { runOpenModel } from './open-model';
import { measureProcesses, pidListeningOn } from './process-usage';
import { chartSpecs, renderMarkdown, renderSvg } from './report';
import { watchOrders } from './sse-watchers';

/**
 * `npm run loadtest [-- quick|standard]`: the whole system on a private stack instance (`npm start`
 * on its own servers and ports), then
 * 1. orders at a constant arrival rate, step by step, through the saga (5 % declines and 5 % gateway
 *    errors), with SSE watchers on some of them;
 * 2. reads of the query API at a constant arrival rate, step by step;
 * and a report generated from the measurements into benchmarks/results/loadtest/.
 */
const PROFILES = {
  quick: {
    sagaRates: [5, 15],
    sagaSeconds: 20,
    warmupSeconds: 45,
    idleSeconds: 20,
    apiRates: [50, 200],
    apiSeconds: 10,
    watchers: 20,
    overloadSeconds: 30,
  },
  standard: {
    sagaRates: [10, 25, 50, 100],
    sagaSeconds: 60,
    warmupSeconds: 90,
    idleSeconds: 30,
    apiRates: [100, 250, 500, 1_000, 2_000],
    apiSeconds: 20,
    watchers: 100,
    overloadSeconds: 180,
  },
} as const;
type ProfileName = keyof typeof PROFILES;

const numbers = (raw: string | undefined): number[] | undefined =>
  raw
    ? raw
        .split(',')
        .map((v) => Number(v.trim()))
        .filter((v) => v > 0)
    : undefined;

const OUT = join(__dirname, '..', 'benchmarks', 'results', 'loadtest');
/** Keep-alive sockets of the read steps' client: enough for 2,000 req/s at 100 ms. */
const READER_SOCKETS = 256;
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  const profileName = (args.find((a) => !a.startsWith('--')) ??
    process.env.LOADTEST_PROFILE ??
    'quick') as ProfileName;
  const profile = PROFILES[profileName];
  if (!profile)
    throw new Error(`unknown profile '${profileName}'; use ${Object.keys(PROFILES).join(' or ')}`);
  // --per-part: each pipeline part in a process of its own, as a deployment runs them, so the report
  // gives each part's CPU per order (the default runs them in one process, as npm start does).
  const perPart = args.includes('--per-part');
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--per-part');
  if (unknown.length > 0)
    throw new Error(`unknown option ${unknown.join(' ')}; the one option is --per-part`);
  // A run's report and its before/after compare like with like: one file per profile and layout.
  const runName = perPart ? `${profileName}-per-part` : profileName;
  const sagaRates = numbers(process.env.LOADTEST_SAGA_RATES) ?? [...profile.sagaRates];
  const sagaSeconds = Number(process.env.LOADTEST_SAGA_SECONDS ?? profile.sagaSeconds);
  const apiRates = numbers(process.env.LOADTEST_API_RATES) ?? [...profile.apiRates];
  const apiSeconds = Number(process.env.LOADTEST_API_SECONDS ?? profile.apiSeconds);
  const settleSeconds = Number(process.env.LOADTEST_SETTLE_SECONDS ?? 180);
  // Unmeasured orders first: a broker started moments ago runs its request paths through the JIT
  // compiler for a minute or so, at up to twice the CPU it needs once warm (0 skips it).
  const warmupSeconds = Number(process.env.LOADTEST_WARMUP_SECONDS ?? profile.warmupSeconds);
  // With nothing offered, once the warm-up's orders have ended: each process's idle cost (0 skips it).
  const idleSeconds = Number(process.env.LOADTEST_IDLE_SECONDS ?? profile.idleSeconds);
  // Twice the capacity the saga steps measured, for this long (0 skips it).
  const overloadSeconds = Number(process.env.LOADTEST_OVERLOAD_SECONDS ?? profile.overloadSeconds);
  const overloadRate = numbers(process.env.LOADTEST_OVERLOAD_RATE)?.[0];
  const stackPorts = {
    kafka: 28092,
    kafkaController: 28093,
    registry: 28085,
    registryManagement: 28086,
    mongo: 28017,
    redis: 28379,
  };

  // Every service writes a V8 CPU profile when the system stops; the report summarises them
  // (LOADTEST_CPU_PROFILE=off runs without; npm start samples every 10 ms, about 0.6 % of a core per process).
  const profileDir =
    process.env.LOADTEST_CPU_PROFILE === 'off' ? undefined : mkdtempSync(join(tmpdir(), 'loadtest-cpu-'));
  if (profileDir) process.env.ORDERSTREAM_CPU_PROFILE_DIR = profileDir;
  say(
    `load test, profile ${profileName}${perPart ? ', a process per pipeline part' : ''}: saga ${sagaRates.join(', ')} orders/s × ${sagaSeconds} s; ${apiRates.length > 0 ? `query API ${apiRates.join(', ')} req/s × ${apiSeconds} s` : 'no query API steps'}`,
  );
  const system: ChaosSystem = await startChaosSystem({
    instance: 'loadtest',
    stackPorts,
    servicePorts: {
      gateway: 28191,
      carrier: 28192,
      notifications: 28193,
      processors: 28100,
      projections: 28101,
      parts: 28110,
      queryApi: 28180,
      commandApi: 28181,
    },
    seedStock: 10_000_000,
    sagaDeadlineMs: 600_000,
    pipelineProcesses: perPart ? 'per-part' : 'one',
    log: say,
  });
  const interrupted = (): void => {
    say('interrupted: stopping the system and its servers');
    void system.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  let observer: Observer | undefined;
  let result: LoadtestResult;
  try {
    const knobs = { declineRate: 0.05, errorRate: 0.05 };
    const res = await fetch(`${system.urls.gateway}/admin/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(knobs),
    });
    if (!res.ok) throw new Error(`setting the gateway's failure rates: ${res.status}`);
    const { endpoints } = system.stack;
    const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'loadtest' });
    observer = await startObserver(
      kafka,
      system.topics,
      await createProjectionDecoders(createSchemaRegistry(endpoints.schemaRegistryUrl), system.topics),
    );
    const servers = {
      kafka: stackPorts.kafka,
      registry: stackPorts.registry,
      mongo: stackPorts.mongo,
      redis: stackPorts.redis,
    };
    const pidsOf = (): Record<string, number | undefined> => ({
      ...Object.fromEntries(system.processes.map((name) => [name, system.pidOf(name)])),
      ...Object.fromEntries(Object.entries(servers).map(([name, port]) => [name, pidListeningOn(port)])),
      // The harness shares the machine: its clients, SSE watchers and the observer decoding every
      // event take CPU the system would otherwise have, so the report shows how much.
      [HARNESS_PROCESS]: process.pid,
    });

    // 1. The saga, step by step.
    // Readers are operators (they read every order); each watcher signs in as its own operator,
    // since open streams are capped per client.
    const key = await loadLocalKeyPair();
    const operator = async (subject: string): Promise<Record<string, string>> => ({
      authorization: `Bearer ${await signToken(key, { subject, roles: ['operator'], ttlSeconds: 4 * 3600 })}`,
    });
    const readerHeaders = await operator('loadtest-reader');
    const watchers = watchOrders(system.urls.queryApi, profile.watchers, (i) =>
      operator(`loadtest-watcher-${i}`),
    );
    const windows: {
      rate: number;
      from: number;
      to: number;
      load: Load;
      usage: Awaited<ReturnType<Awaited<ReturnType<typeof measureProcesses>>['finish']>>;
    }[] = [];
    const orderIdsOf = (load: Load): string[] => load.orders().flatMap((o) => (o.orderId ? [o.orderId] : []));
    /** Until every one of these orders has ended, or the settle time is up. */
    const settle = async (ids: readonly string[]): Promise<void> => {
      const settleBy = Date.now() + settleSeconds * 1_000;
      while (Date.now() < settleBy && ids.some((id) => observer?.orders().get(id)?.terminalAt === undefined))
        await sleep(500);
    };
    if (warmupSeconds > 0) {
      const rate = sagaRates[0] ?? 5;
      say(`▶ warm-up: ${rate} orders/s for ${warmupSeconds} s, not measured`);
      const warmup = startLoad({ commandApi: system.urls.commandApi, rate });
      await sleep(warmupSeconds * 1_000);
      await warmup.stop();
      await settle(orderIdsOf(warmup));
    }
    let idle: IdleWindow | undefined;
    if (idleSeconds > 0) {
      say(`▶ idle: nothing offered for ${idleSeconds} s, each process's cost with no orders`);
      const measuring = await measureProcesses(pidsOf);
      await sleep(idleSeconds * 1_000);
      idle = { seconds: idleSeconds, processes: await measuring.finish() };
      say(`  CPU ${idle.processes.reduce((s, p) => s + p.cores, 0).toFixed(2)} cores in all`);
    }
    for (const rate of sagaRates) {
      say(`▶ saga at ${rate} orders/s for ${sagaSeconds} s`);
      const measuring = await measureProcesses(pidsOf);
      const from = Date.now();
      const load = startLoad({ commandApi: system.urls.commandApi, rate });
      const feeding = setInterval(() => watchers.offer(load.orders()), 1_000);
      await sleep(sagaSeconds * 1_000);
      const to = Date.now();
      // Arrivals stop now; the orders already in flight finish while the usage is read.
      const stopping = load.stop();
      const usage = await measuring.finish();
      clearInterval(feeding);
      await stopping;
      windows.push({ rate, from, to, load, usage });
      const placed = load.orders().filter((o) => o.orderId && (o.placed === 200 || o.placed === 202)).length;
      say(`  ${placed} placed; CPU ${usage.reduce((s, p) => s + p.cores, 0).toFixed(2)} cores in all`);
    }
    say(`  waiting up to ${settleSeconds} s for every placed order to end`);
    const placedIds = windows.flatMap((w) => orderIdsOf(w.load));
    await settle(placedIds);
    const sse = await watchers.stop(observer);
    const saga: SagaStep[] = windows.map((w) =>
      sagaStepOf({ ...w, seconds: sagaSeconds, records: (observer as Observer).orders() }),
    );
    for (const s of saga) {
      say(
        `  ${s.offeredPerSecond}/s: decided ${Math.round(s.decidedPerMinute)}/min, placed→decided p99 ${s.placedToDecidedMs.p99} ms, ${Math.round(s.cpuMsPerOrder)} ms CPU/order`,
      );
    }

    // 2. The query API.
    const ids = placedIds.filter((id) => observer?.orders().get(id)?.terminalAt !== undefined).slice(0, 500);
    const api: ApiStep[] = [];
    // node:http with keep-alive and a bounded pool: fetch cost the harness a whole core at
    // 2,000 req/s and opened a socket per waiting request. A request waiting for a socket is
    // still timed from when it was due.
    const reader = createGetClient(system.urls.queryApi, {
      sockets: READER_SOCKETS,
      timeoutMs: 10_000,
      headers: readerHeaders,
    });
    for (const rate of apiRates) {
      say(`▶ query API at ${rate} req/s for ${apiSeconds} s`);
      const measuring = await measureProcesses(pidsOf);
      const result = await runOpenModel({
        rate,
        durationMs: apiSeconds * 1_000,
        kinds: [
          {
            name: 'order by id',
            weight: 0.8,
            send: async (signal) =>
              (await reader.get(`/api/queries/orders/${ids[Math.floor(Math.random() * ids.length)]}`, signal))
                .status,
          },
          {
            name: 'list by status',
            weight: 0.2,
            send: async (signal) =>
              (await reader.get('/api/queries/orders?status=Completed&page=1&pageSize=20', signal)).status,
          },
        ],
      });
      api.push({ offeredPerSecond: rate, seconds: apiSeconds, result, processes: await measuring.finish() });
      say(
        `  achieved ${Math.round(result.achievedPerSecond)} req/s; ${Object.entries(result.latency)
          .map(([k, l]) => `${k} p99 ${l.p99} ms`)
          .join(', ')}; harness send lag p99 ${result.sendLag?.p99 ?? 0} ms`,
      );
    }
    reader.close();

    // 3. Overload: twice the capacity measured above. Admission control refuses what the write
    // side cannot take (429 + Retry-After, which the clients honour); the system should keep
    // deciding at capacity and, once arrivals stop, finish every admitted order by itself.
    let overload: OverloadStep | undefined;
    if (overloadSeconds > 0) {
      const capacityPerSecond = Math.max(1, ...saga.map((s) => s.decidedPerMinute / 60));
      // A fixed rate compares two builds at the same offered load; by default, twice what this run measured.
      const rate = overloadRate ?? Math.ceil(2 * capacityPerSecond);
      say(
        `▶ overload: ${rate} orders/s (${overloadRate === undefined ? 'twice' : 'set; capacity'} the ${capacityPerSecond.toFixed(1)}/s decided above) for ${overloadSeconds} s`,
      );
      const from = Date.now();
      const load = startLoad({ commandApi: system.urls.commandApi, rate, patienceMs: 60_000 });
      await sleep(overloadSeconds * 1_000);
      const to = Date.now();
      await load.stop();
      const ids = load
        .orders()
        .flatMap((o) => (o.orderId && (o.placed === 200 || o.placed === 202) ? [o.orderId] : []));
      const recoverBy = Date.now() + settleSeconds * 1_000;
      while (Date.now() < recoverBy && ids.some((id) => observer?.orders().get(id)?.decidedAt === undefined))
        await sleep(500);
      overload = overloadStepOf({
        rate,
        capacityPerSecond,
        seconds: overloadSeconds,
        from,
        to,
        orders: load.orders(),
        errors: load.errors(),
        records: observer.orders(),
      });
      say(
        `  ${overload.placed} admitted, ${overload.refused} answers 429; decided ${Math.round(overload.decidedPerMinute)}/min; ` +
          `placed→decided p99 ${overload.placedToDecidedMs.p99} ms; ` +
          (overload.recoverySeconds === undefined
            ? `not every admitted order decided within ${settleSeconds} s`
            : `all decided ${overload.recoverySeconds} s after arrivals stopped`),
      );
    }

    // 4. The report, once the system has stopped and its profiles are written.
    result = {
      ...provenance(),
      profile: profileName,
      settings: {
        sagaRates: sagaRates.join(','),
        sagaSeconds,
        warmupSeconds,
        idleSeconds,
        apiRates: apiRates.join(','),
        apiSeconds,
        sseWatchers: profile.watchers,
        gatewayDeclineRate: knobs.declineRate,
        gatewayErrorRate: knobs.errorRate,
        overloadSeconds,
        ...(overloadRate !== undefined ? { overloadRate } : {}),
        deployment: perPart
          ? 'npm start on a private stack instance: each pipeline part in a process of its own'
          : 'npm start on a private stack instance: processors in one process',
        pipelineProcesses: perPart ? 'per-part' : 'one',
      },
      saga,
      api,
      sse,
      ...(overload ? { overload } : {}),
      ...(idle ? { idle } : {}),
    };
  } finally {
    await observer?.stop();
    await system.close();
  }
  if (profileDir) {
    result.cpuProfiles = summarizeProfiles(profileDir, 8);
    // LOADTEST_KEEP_CPU_PROFILES=1 keeps the .cpuprofile files, to open as flame graphs (Chrome
    // DevTools, speedscope) or to summarise again with `npm run profile:summary -- <dir>`.
    if (process.env.LOADTEST_KEEP_CPU_PROFILES === '1') say(`CPU profiles kept in ${profileDir}`);
    else rmSync(profileDir, { recursive: true, force: true });
  }
  {
    mkdirSync(join(OUT, 'runs'), { recursive: true });
    const latestFile = join(OUT, `latest-${runName}.json`);
    const previous = existsSync(latestFile)
      ? (JSON.parse(readFileSync(latestFile, 'utf8')) as LoadtestResult)
      : undefined;
    const charts: Record<string, string> = {};
    for (const [title, spec] of Object.entries(chartSpecs(result))) {
      const file = `${runName}-${title.replace(/\s+/g, '-').toLowerCase()}.svg`;
      writeFileSync(join(OUT, file), await renderSvg(spec));
      charts[title] = file;
    }
    writeFileSync(
      join(OUT, 'runs', `${result.date.replace(/[:.]/g, '-')}-${runName}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    writeFileSync(latestFile, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(OUT, `REPORT-${runName}.md`), renderMarkdown(result, previous, charts));
    say(`report: ${join(OUT, `REPORT-${runName}.md`)}`);
  }
};

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `load test failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
