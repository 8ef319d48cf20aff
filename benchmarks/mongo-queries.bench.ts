import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { connectMongo } from '../lib/adapters/mongo';
import { envVar, readConfig } from '../lib/config/env';
import { defaultCollection, type OrderView } from '../lib/read-models/views';
import { ensureIndexes } from '../lib/read-models/view-store';
import { findInfrastructure } from '../stack/finder';
import { consoleProgress } from '../stack/progress';
import { summarize } from './lib/latency';
import { orderView, STATUSES } from './lib/order-views';
import { provenance, writeResult } from './lib/results';

/**
 * The MongoDB operations the read side makes, one at a time, over BENCH_ORDERS order views in a
 * fresh database: what the projection runner writes with and what the query API reads with.
 * Run against FerretDB it shows which filters its SQLite backend answers from an index
 * (stack/services/ferretdb-patches.ts) and which it still decodes and sorts in Go.
 */
const config = readConfig(process.env, {
  BENCH_ORDERS: envVar.int({ default: 10_000, min: 100, max: 1_000_000 }),
  BENCH_CUSTOMERS: envVar.int({ default: 200, min: 1 }),
  BENCH_REPEAT: envVar.int({ default: 20, min: 1, max: 10_000 }),
  /** Operations that scan in Go take seconds each: fewer repeats. */
  BENCH_SLOW_REPEAT: envVar.int({ default: 3, min: 1, max: 1_000 }),
  BENCH_BATCH: envVar.int({ default: 50, min: 1, max: 1_000 }),
  /** Appended to the result's name, to keep runs against different servers side by side. */
  BENCH_TAG: envVar.string({ default: '', pattern: /^[a-z0-9-]*$/ }),
});
const NAME = `mongo-queries-orders-${config.BENCH_ORDERS}${config.BENCH_TAG ? `-${config.BENCH_TAG}` : ''}`;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

const main = async (): Promise<void> => {
  const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const found = await findInfrastructure(consoleProgress());
  const runId = `mq${Date.now().toString(36)}`;
  const mongo = await connectMongo(found.endpoints.mongodbUri, `bench_mongo_${Date.now()}`);
  try {
    const build = (await mongo.db.admin().command({ buildInfo: 1 })) as {
      version?: string;
      ferretdbVersion?: string;
    };
    const server = build.ferretdbVersion
      ? `FerretDB ${build.ferretdbVersion} (MongoDB ${build.version ?? '?'} compatible)`
      : `MongoDB ${build.version ?? '?'}`;
    const collection = mongo.db.collection<OrderView>(defaultCollection('orders'));
    const seedStarted = performance.now();
    for (let i = 0; i < config.BENCH_ORDERS; i += 1_000) {
      const n = Math.min(1_000, config.BENCH_ORDERS - i);
      await collection.insertMany(
        Array.from({ length: n }, (_, k) => orderView(runId, i + k, config.BENCH_CUSTOMERS)),
      );
    }
    await ensureIndexes(mongo.db, 'orders', defaultCollection('orders'));
    log(
      `${server}: seeded ${config.BENCH_ORDERS} order views in ${Math.round(performance.now() - seedStarted)} ms`,
    );

    const id = (n: number) => `${runId}-o${(n * 7_919) % config.BENCH_ORDERS}`;
    const batch = (k: number) =>
      Array.from({ length: config.BENCH_BATCH }, (_, j) => id(k * config.BENCH_BATCH + j));
    let version = 100;
    /** A replacement document: a view without its `_id`, at a newer version. */
    const replacement = (k: number, v: number): Omit<OrderView, '_id'> => {
      const doc: Partial<OrderView> = orderView(runId, k, config.BENCH_CUSTOMERS);
      delete doc._id;
      return { ...(doc as Omit<OrderView, '_id'>), version: v };
    };
    const operations: { name: string; repeat: number; run: (k: number) => Promise<unknown> }[] = [
      { name: 'findOne by _id', repeat: config.BENCH_REPEAT, run: (k) => collection.findOne({ _id: id(k) }) },
      {
        name: `find _id $in (${config.BENCH_BATCH})`,
        repeat: config.BENCH_REPEAT,
        run: (k) => collection.find({ _id: { $in: batch(k) } }).toArray(),
      },
      {
        name: 'replaceOne guarded by version',
        repeat: config.BENCH_REPEAT,
        run: (k) =>
          collection.replaceOne({ _id: id(k), version: { $lt: ++version } }, replacement(k, version)),
      },
      {
        name: `bulkWrite guarded upserts (${config.BENCH_BATCH})`,
        repeat: config.BENCH_REPEAT,
        run: (k) => {
          version += 1;
          return collection.bulkWrite(
            batch(k).map((_id) => ({
              replaceOne: {
                filter: { _id, version: { $lt: version } },
                replacement: replacement(k, version),
                upsert: true,
              },
            })),
            { ordered: false },
          );
        },
      },
      {
        name: 'page of one customer (sort updatedAt, 20) + count',
        repeat: config.BENCH_REPEAT,
        run: (k) => {
          const filter = { customerId: `${runId}-c${k % config.BENCH_CUSTOMERS}` };
          return Promise.all([
            collection.find(filter).sort({ updatedAt: -1, _id: 1 }).limit(20).toArray(),
            collection.countDocuments(filter),
          ]);
        },
      },
      {
        name: 'page of one status (sort updatedAt, 20) + count',
        repeat: config.BENCH_SLOW_REPEAT,
        run: (k) => {
          const filter = { status: STATUSES[k % STATUSES.length] };
          return Promise.all([
            collection.find(filter).sort({ updatedAt: -1, _id: 1 }).limit(20).toArray(),
            collection.countDocuments(filter),
          ]);
        },
      },
    ];

    const rows: (string | number)[][] = [];
    const figures: Record<string, number> = {};
    for (const op of operations) {
      const samples: number[] = [];
      for (let k = 0; k < op.repeat; k++) {
        const t0 = performance.now();
        await op.run(k);
        samples.push(performance.now() - t0);
      }
      const s = summarize(samples);
      log(
        `  ${op.name}: mean ${s.meanMs} ms, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms (${s.count} runs)`,
      );
      rows.push([op.name, s.count, s.meanMs, s.p50Ms, s.p99Ms, s.maxMs]);
      figures[`${op.name} mean ms`] = s.meanMs;
      figures[`${op.name} p99 ms`] = s.p99Ms;
    }
    const file = writeResult({
      name: NAME,
      description:
        'The read side’s MongoDB operations one at a time over order views seeded into a fresh ' +
        'database (indexes as the projections create them): by-id reads, batch reads, ' +
        'version-guarded writes, and a list page with its count by customer and by status.',
      ...provenance(),
      settings: {
        server,
        orders: config.BENCH_ORDERS,
        customers: config.BENCH_CUSTOMERS,
        ordersPerStatus: Math.ceil(config.BENCH_ORDERS / STATUSES.length),
        repeat: config.BENCH_REPEAT,
        slowRepeat: config.BENCH_SLOW_REPEAT,
        batch: config.BENCH_BATCH,
        tag: config.BENCH_TAG,
        loadAverage1mAtStart: loadAtStart,
        servers: Object.entries(found.sources)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      },
      figures,
      tables: [
        {
          title: 'Per operation (sequential, one client)',
          columns: ['operation', 'runs', 'mean ms', 'p50 ms', 'p99 ms', 'max ms'],
          rows,
        },
      ],
    });
    log(`result: ${file}`);
  } finally {
    await mongo.db.dropDatabase().catch(() => {});
    await mongo.close();
    await found.release();
  }
};

main().catch((err: unknown) => {
  process.stderr.write(`mongo-queries benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
