import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { connectMongo } from '../lib/adapters/mongo';
import { createRedis } from '../lib/adapters/redis';
import { envVar, readConfig } from '../lib/config/env';
import { listen } from '../lib/http/app';
import { createLogger } from '../lib/observability/logger';
import { createMetrics } from '../lib/observability/metrics';
import { cacheKey, defaultCollection, type OrderView } from '../lib/read-models/views';
import { ensureIndexes } from '../lib/read-models/view-store';
import { createQueryApi } from '../query-api/query-api';
import { staleKey } from '../query-api/view-cache';
import { findInfrastructure } from '../stack/finder';
import { consoleProgress } from '../stack/progress';
import { createGetClient, type GetClient } from './lib/http-get';
import { orderView, STATUSES } from './lib/order-views';
import { createRecorder, type KindReport, type Outcome } from './lib/recorder';
import { provenance, writeResult } from './lib/results';
import { loadLocalKeyPair, localKeyVerifier } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';

/**
 * Read-side throughput of the query API (in-process, loopback) over order views seeded straight
 * into a fresh MongoDB database: GET one order by id uncached (MongoDB), cached (hot set), and
 * the list endpoint filtered by customer and by status. Every request carries an admin token.
 *
 * `--auth` (`npm run bench:auth`) measures what authentication costs instead: the cached GET by id
 * with the token verified (ES256 signature and claims) and with verification skipped (a verifier
 * that returns a fixed principal: the rest of the access middleware still runs), alternating
 * rounds in one run so both see the same machine.
 */
const AUTH_MODE = process.argv.includes('--auth');
const config = readConfig(process.env, {
  BENCH_ORDERS: envVar.int({ default: 10_000, min: 100, max: 2_000_000 }),
  BENCH_CUSTOMERS: envVar.int({ default: 200, min: 1 }),
  BENCH_HOT_SET: envVar.int({ default: 100, min: 1 }),
  BENCH_CONCURRENCY: envVar.int({ default: 16, min: 1, max: 1024 }),
  /** Lists read and sort every matching view on the server: fewer clients keep answers inside the window. */
  BENCH_LIST_CONCURRENCY: envVar.int({ default: 4, min: 1, max: 1024 }),
  BENCH_DURATION_S: envVar.int({ default: 10, min: 1, max: 3600 }),
  BENCH_WARMUP_S: envVar.int({ default: 2, min: 0, max: 600 }),
  BENCH_REQUEST_TIMEOUT_MS: envVar.int({ default: 10_000, min: 100 }),
  BENCH_LOG_LEVEL: envVar.oneOf(['debug', 'info', 'warn', 'error'] as const)({ default: 'error' }),
});
const CONCURRENCY = config.BENCH_CONCURRENCY;
const NAME = AUTH_MODE
  ? `auth-cost-query-by-id-concurrency-${CONCURRENCY}`
  : `query-by-id-orders-${config.BENCH_ORDERS}-concurrency-${CONCURRENCY}`;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** A deterministic generator, so two runs seed and ask for the same documents in the same order. */
const rng = (seed: number) => () => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
  return seed / 0x80000000;
};

interface Phase {
  kind: string;
  /** The next path to ask for, or undefined when the phase has nothing left to ask. */
  next(): string | undefined;
  /** The X-Cache value a 200 must carry to count (undefined: no check). */
  expectCache?: string;
  /** Concurrent clients (default BENCH_CONCURRENCY). */
  clients?: number;
}

/** Runs one phase for its duration with every client, keeping what ended inside the window. */
const runPhase = async (http: GetClient, phase: Phase, warmupS: number, durationS: number) => {
  const recorder = createRecorder();
  const started = performance.now();
  const from = started + warmupS * 1000;
  const to = from + durationS * 1000;
  recorder.measure(from, to);
  let lastEnd = from;
  let exhausted = false;
  const client = async (): Promise<void> => {
    while (performance.now() < to) {
      const path = phase.next();
      if (path === undefined) {
        exhausted = true;
        return;
      }
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        const res = await http.get(path);
        outcome =
          phase.expectCache !== undefined && res.status === 200 && res.cache !== phase.expectCache
            ? `200 X-Cache ${res.cache ?? 'none'}`
            : res.status;
      } catch (err) {
        outcome = (err as { code?: string }).code ?? 'ERROR';
      }
      const t1 = performance.now();
      recorder.record(phase.kind, t0, t1, outcome);
      if (t1 <= to) lastEnd = Math.max(lastEnd, t1);
    }
  };
  await Promise.all(Array.from({ length: phase.clients ?? CONCURRENCY }, client));
  // A phase that ran out of ids ends early: its rate is over the time it actually ran.
  const windowMs = Math.max(1, (exhausted ? lastEnd : to) - from);
  const report = recorder.report().find((k) => k.kind === phase.kind) as KindReport;
  const perSecond = Math.round((report.succeeded * 10_000) / windowMs) / 10;
  const errors = [...recorder.errors()].map(([k, c]) => `${k}: ${c}`).join(', ') || 'none';
  log(
    `  ${phase.kind}: ${perSecond} req/s, p50 ${report.p50Ms} ms, p95 ${report.p95Ms} ms, p99 ${report.p99Ms} ms` +
      ` (${report.succeeded} ok, ${report.failed} not ok, ${Math.round(windowMs)} ms${exhausted ? ', ids exhausted' : ''})`,
  );
  return { ...report, perSecond, windowMs: Math.round(windowMs), exhausted, errors };
};

const AUTH_ROUNDS = 3;
const VERIFY_SAMPLES = 2000;

/** The cached GET with and without token verification, alternating rounds; writes the result file. */
const measureAuthentication = async ({
  http,
  hot,
  orderPath,
  setSkipVerification,
  verifyOnce,
  found,
  loadAtStart,
}: {
  /** One token verification, as the middleware does it. */
  verifyOnce: () => Promise<unknown>;
  http: GetClient;
  hot: string[];
  orderPath: (id: string) => string;
  setSkipVerification: (skip: boolean) => void;
  found: { sources: Record<string, string> };
  loadAtStart: number;
}) => {
  // Re-warmed before every phase, so the in-process LRU starts each round alike.
  const warm = async () => {
    for (let i = 0; i < hot.length; i += CONCURRENCY) {
      await Promise.all(hot.slice(i, i + CONCURRENCY).map((id) => http.get(orderPath(id))));
    }
  };
  let next = 0;
  const rounds: { kind: string; verified: boolean; report: Awaited<ReturnType<typeof runPhase>> }[] = [];
  for (let round = 1; round <= AUTH_ROUNDS; round += 1) {
    for (const verified of [true, false]) {
      setSkipVerification(!verified);
      await warm();
      const kind = `by-id cached, ${verified ? 'token verified' : 'verification skipped'} (round ${round})`;
      const report = await runPhase(
        http,
        { kind, expectCache: 'hit', next: () => orderPath(hot[next++ % hot.length] as string) },
        config.BENCH_WARMUP_S,
        config.BENCH_DURATION_S,
      );
      rounds.push({ kind, verified, report });
    }
  }
  // The verification alone, one after another: its CPU time per request, without HTTP around it.
  const verifyStarted = performance.now();
  for (let i = 0; i < VERIFY_SAMPLES; i += 1) await verifyOnce();
  const microsPerVerification = Math.round(((performance.now() - verifyStarted) * 1000) / VERIFY_SAMPLES);
  log(`one verification: ${microsPerVerification} µs (mean of ${VERIFY_SAMPLES})`);
  const mean = (verified: boolean) => {
    const picked = rounds.filter((r) => r.verified === verified);
    return Math.round((picked.reduce((sum, r) => sum + r.report.perSecond, 0) / picked.length) * 10) / 10;
  };
  const withToken = mean(true);
  const without = mean(false);
  const costPercent = without > 0 ? Math.round(((without - withToken) / without) * 1000) / 10 : 0;
  log(
    `verified ${withToken} req/s, skipped ${without} req/s: authentication costs ${costPercent}% of throughput`,
  );
  const file = writeResult({
    name: NAME,
    description:
      'The cost of bearer-token authentication on the cached GET /api/queries/orders/{id} (query API in ' +
      "this process, loopback, X-Cache: hit). Verified: every request's ES256 token is checked (signature, " +
      'issuer, audience, expiry) by jose. Skipped: a verifier that returns a fixed principal, so the rest of ' +
      'the access middleware (rule lookup, role check, ownership filter) still runs. Rounds alternate in one run.',
    ...provenance(),
    settings: {
      hotSet: hot.length,
      concurrency: CONCURRENCY,
      rounds: AUTH_ROUNDS,
      durationSPerPhase: config.BENCH_DURATION_S,
      warmupS: config.BENCH_WARMUP_S,
      logLevel: config.BENCH_LOG_LEVEL,
      rateLimits: 'off',
      client: 'node:http keep-alive, one socket per client, same process as the query API',
      loadAverage1mAtStart: loadAtStart,
      servers: Object.entries(found.sources)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    },
    figures: {
      verifiedRequestsPerSecond: withToken,
      unverifiedRequestsPerSecond: without,
      authenticationCostPercent: costPercent,
      microsecondsPerVerification: microsPerVerification,
    },
    tables: [
      {
        title: 'Per round (successful requests in the window; latency over every sample)',
        columns: ['phase', 'req/s', 'ok', 'not ok', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms', 'errors'],
        rows: rounds.map(({ kind, report: p }) => [
          kind,
          p.perSecond,
          p.succeeded,
          p.failed,
          p.p50Ms,
          p.p95Ms,
          p.p99Ms,
          p.meanMs,
          p.errors,
        ]),
      },
    ],
  });
  log(`result: ${file}`);
};

const main = async (): Promise<void> => {
  const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const found = await findInfrastructure(consoleProgress());
  const runId = `qb${Date.now().toString(36)}`;
  const dbName = `bench_query_${Date.now()}`;
  const logger = createLogger({
    service: 'bench-query',
    level: config.BENCH_LOG_LEVEL,
    destination: pino.destination({ dest: 2, sync: false }),
  });
  const mongo = await connectMongo(found.endpoints.mongodbUri, dbName);
  const redis = createRedis(found.endpoints.redisUrl, 'bench-query-api');
  const subscriber = createRedis(found.endpoints.redisUrl, 'bench-query-api-subscriber');
  let cleanup: (() => Promise<void>) | undefined;
  try {
    // 1. Seed, indexes after the data as the replay does.
    const seedStarted = performance.now();
    const collection = mongo.db.collection<OrderView>(defaultCollection('orders'));
    const SLICE = 1_000;
    for (let i = 0; i < config.BENCH_ORDERS; i += SLICE) {
      const n = Math.min(SLICE, config.BENCH_ORDERS - i);
      await collection.insertMany(
        Array.from({ length: n }, (_, k) => orderView(runId, i + k, config.BENCH_CUSTOMERS)),
      );
    }
    await ensureIndexes(mongo.db, 'orders', defaultCollection('orders'));
    const seedMs = Math.round(performance.now() - seedStarted);
    log(`seeded ${config.BENCH_ORDERS} order views into ${dbName}.orders_view in ${seedMs} ms`);

    // 2. The query API, in this process.
    const key = await loadLocalKeyPair();
    const verified = localKeyVerifier(key);
    const token = await signToken(key, { subject: 'bench-admin', roles: ['admin'], ttlSeconds: 86_400 });
    const fixed = await verified.verify(token);
    let skipVerification = false;
    const api = await createQueryApi({
      verifier: { verify: (t) => (skipVerification ? Promise.resolve(fixed) : verified.verify(t)) },
      db: mongo.db,
      redis,
      subscriber,
      // The auth rounds outlast the default 30 s Redis TTL: a hot set expiring mid-round would measure MongoDB.
      ...(AUTH_MODE ? { cache: { ttlSeconds: 3600 } } : {}),
      logger,
      metrics: createMetrics({ service: 'query-api', defaultMetrics: false }),
    });
    const server = await listen(api.app, 0, '127.0.0.1');
    api.health.markStarted();
    const http = createGetClient(server.url, {
      sockets: CONCURRENCY,
      timeoutMs: config.BENCH_REQUEST_TIMEOUT_MS,
      headers: { authorization: `Bearer ${token}` },
    });
    cleanup = async () => {
      http.close();
      await server.close();
      await api.stop().catch(() => {});
    };
    log(
      `query API ${server.url}; ${CONCURRENCY} clients (lists ${config.BENCH_LIST_CONCURRENCY}), ${config.BENCH_DURATION_S} s per phase`,
    );

    // Ids in a shuffled order: the hot set from the end, the uncached ones from the start.
    const random = rng(42);
    const ids = Array.from({ length: config.BENCH_ORDERS }, (_, n) => `${runId}-o${n}`);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
    }
    const hot = ids.slice(ids.length - Math.min(config.BENCH_HOT_SET, ids.length - 1));
    const cold = ids.slice(0, ids.length - hot.length);
    // Never asked for, so not cached; deleted anyway so a miss is certain (and the stale copy too).
    for (let i = 0; i < cold.length; i += 1_000) {
      const slice = cold.slice(i, i + 1_000);
      await redis.del(
        ...slice.map((id) => cacheKey('orders', id)),
        ...slice.map((id) => staleKey('orders', id)),
      );
    }
    const orderPath = (id: string) => `/api/queries/orders/${encodeURIComponent(id)}`;
    if (AUTH_MODE) {
      await measureAuthentication({
        http,
        hot,
        orderPath,
        setSkipVerification: (skip) => (skipVerification = skip),
        verifyOnce: () => verified.verify(token),
        found,
        loadAtStart,
      });
      return;
    }

    // (a) uncached: each id once, no warm-up (a warm-up would spend ids); X-Cache must say miss.
    let nextCold = 0;
    const uncached = await runPhase(
      http,
      {
        kind: 'by-id uncached',
        expectCache: 'miss',
        next: () => (nextCold < cold.length ? orderPath(cold[nextCold++] as string) : undefined),
      },
      0,
      config.BENCH_DURATION_S,
    );
    // (b) cached: the hot set is loaded into the cache first (a miss costs a MongoDB read, so the
    //     warm-up alone may not get through it); then every answer must say X-Cache: hit.
    const warmStarted = performance.now();
    for (let i = 0; i < hot.length; i += CONCURRENCY) {
      await Promise.all(hot.slice(i, i + CONCURRENCY).map((id) => http.get(orderPath(id))));
    }
    log(`  hot set of ${hot.length} cached in ${Math.round(performance.now() - warmStarted)} ms`);
    let nextHot = 0;
    const cached = await runPhase(
      http,
      {
        kind: 'by-id cached',
        expectCache: 'hit',
        next: () => orderPath(hot[nextHot++ % hot.length] as string),
      },
      config.BENCH_WARMUP_S,
      config.BENCH_DURATION_S,
    );
    // (c) lists, straight from MongoDB (never cached).
    const customerPages = Math.max(1, Math.ceil(config.BENCH_ORDERS / config.BENCH_CUSTOMERS / 20));
    const statusPages = 5;
    const listCustomer = await runPhase(
      http,
      {
        kind: 'list by customer',
        clients: config.BENCH_LIST_CONCURRENCY,
        next: () =>
          `/api/queries/orders?customerId=${runId}-c${Math.floor(random() * config.BENCH_CUSTOMERS)}` +
          `&page=${1 + Math.floor(random() * customerPages)}&pageSize=20`,
      },
      config.BENCH_WARMUP_S,
      config.BENCH_DURATION_S,
    );
    const listStatus = await runPhase(
      http,
      {
        kind: 'list by status',
        clients: config.BENCH_LIST_CONCURRENCY,
        next: () =>
          `/api/queries/orders?status=${STATUSES[Math.floor(random() * STATUSES.length)] as string}` +
          `&page=${1 + Math.floor(random() * statusPages)}&pageSize=20`,
      },
      config.BENCH_WARMUP_S,
      config.BENCH_DURATION_S,
    );
    const phases = [uncached, cached, listCustomer, listStatus];
    const ratio =
      uncached.perSecond > 0 ? Math.round((cached.perSecond / uncached.perSecond) * 100) / 100 : 0;
    log(`cached/uncached throughput: ${ratio}×`);

    const file = writeResult({
      name: NAME,
      description:
        'GET /api/queries/orders/{id} and the orders list on the query API (in this process, loopback), ' +
        'over order views seeded straight into a fresh MongoDB database. Uncached: every request a ' +
        'distinct id never asked before, its Redis keys deleted (X-Cache: miss, read from MongoDB). ' +
        'Cached: a small hot set already cached (X-Cache: hit; served mostly from the in-process ' +
        '1 s local cache, else Redis). Lists: customerId or status filter, pageSize 20, with the count.',
      ...provenance(),
      settings: {
        orders: config.BENCH_ORDERS,
        customers: config.BENCH_CUSTOMERS,
        hotSet: hot.length,
        concurrency: CONCURRENCY,
        listConcurrency: config.BENCH_LIST_CONCURRENCY,
        durationSPerPhase: config.BENCH_DURATION_S,
        warmupS: config.BENCH_WARMUP_S,
        requestTimeoutMs: config.BENCH_REQUEST_TIMEOUT_MS,
        logLevel: config.BENCH_LOG_LEVEL,
        customerPages,
        statusPages,
        client: 'node:http keep-alive, one socket per client, same process as the query API',
        loadAverage1mAtStart: loadAtStart,
        servers: Object.entries(found.sources)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      },
      figures: {
        uncachedRequestsPerSecond: uncached.perSecond,
        cachedRequestsPerSecond: cached.perSecond,
        cachedToUncachedThroughputRatio: ratio,
        uncachedP99Ms: uncached.p99Ms,
        cachedP99Ms: cached.p99Ms,
        listByCustomerRequestsPerSecond: listCustomer.perSecond,
        listByStatusRequestsPerSecond: listStatus.perSecond,
        uncachedIdsExhausted: uncached.exhausted,
        seedMs,
      },
      tables: [
        {
          title: 'Per phase (successful requests in the window; latency over every sample)',
          columns: [
            'phase',
            'req/s',
            'ok',
            'not ok',
            'p50 ms',
            'p95 ms',
            'p99 ms',
            'max ms',
            'mean ms',
            'window ms',
            'errors',
          ],
          rows: phases.map((p) => [
            p.kind,
            p.perSecond,
            p.succeeded,
            p.failed,
            p.p50Ms,
            p.p95Ms,
            p.p99Ms,
            p.maxMs,
            p.meanMs,
            p.windowMs,
            p.errors,
          ]),
        },
      ],
    });
    log(`result: ${file}`);
  } finally {
    await cleanup?.();
    await mongo.db.dropDatabase().catch(() => {});
    await mongo.close();
    await redis.quit().catch(() => {});
    await subscriber.quit().catch(() => {});
    await found.release();
  }
};

main().catch((err: unknown) => {
  process.stderr.write(`query benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
