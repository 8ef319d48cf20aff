import { join } from 'node:path';
import { createKafka } from '../lib/adapters/kafka/client';
import { connectMongo } from '../lib/adapters/mongo';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { createProjectionDecoders } from '../lib/read-models/projections/projection-decoders';
import { provenance, writeResult, type BenchmarkResult, type Scalar } from '../benchmarks/lib/results';
import type { StackPorts } from '../stack/layout';
import type { Fault } from './faults';
import {
  moneySettled,
  ordersEnded,
  readModelsMatchReplay,
  replayedViews,
  stockConserved,
  type Violation,
} from './invariants';
import { startLoad } from './load';
import { startObserver } from './observer';
import type { PipelineLayout } from '../processors/pipeline';
import { startChaosSystem, type ServicePorts, type ServiceRole } from './system';

export interface ChaosOptions {
  name: string;
  faults: Fault[];
  /** Orders per second offered during every fault. */
  rate: number;
  /** Load before the fault and after it ends. */
  warmMs: number;
  afterMs: number;
  /** How long an outage lasts. */
  holdMs: number;
  kills: number;
  /** How long the system may take to settle after a fault before a guarantee counts as broken. */
  settleMs: number;
  sagaDeadlineMs: number;
  instance: string;
  stackPorts: StackPorts;
  servicePorts: ServicePorts;
  /** `per-part`: each pipeline part in a process of its own (npm start's PIPELINE_PROCESSES). */
  pipelineProcesses?: PipelineLayout;
  resultsDir?: string;
  log?: (line: string) => void;
}

export interface FaultOutcome {
  fault: string;
  what: string;
  ordersOffered: number;
  ordersPlaced: number;
  completed: number;
  cancelled: number;
  clientErrors: Record<string, number>;
  detail: Record<string, string | number>;
  /** From the end of the fault until every order placed so far had ended. */
  sagasSettledMs: number;
  /** From the end of the fault until every read model equalled a full replay. */
  readModelsSettledMs: number;
  placedToEndP50Ms: number;
  placedToEndMaxMs: number;
  unhealthySeen: string[];
  unexpectedRestarts: string[];
  violations: Violation[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

/**
 * Runs each fault under a sustained order load on a system of its own and checks every guarantee
 * after it: every order ended, nothing oversold, stock conserved, nothing left reserved, the
 * gateway's ledger equal to the completed orders, every read model equal to a full replay, no
 * process crash-looping. Writes a report (JSON and the generated README beside it).
 */
export const runChaos = async (options: ChaosOptions): Promise<FaultOutcome[]> => {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const system = await startChaosSystem({
    instance: options.instance,
    stackPorts: options.stackPorts,
    servicePorts: options.servicePorts,
    seedStock: 1_000_000,
    sagaDeadlineMs: options.sagaDeadlineMs,
    ...(options.pipelineProcesses ? { pipelineProcesses: options.pipelineProcesses } : {}),
    log,
  });
  // Ctrl-C mid-run stops this run's npm start and servers instead of leaving them behind.
  const interrupted = (): void => {
    log('interrupted: stopping the system and its servers');
    void system.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const { endpoints } = system.stack;
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'chaos' });
  const decoders = await createProjectionDecoders(
    createSchemaRegistry(endpoints.schemaRegistryUrl),
    system.topics,
  );
  const observer = await startObserver(kafka, system.topics, decoders);
  const mongo = await connectMongo(endpoints.mongodbUri, 'orderstream');
  const outcomes: FaultOutcome[] = [];
  try {
    for (const fault of options.faults) {
      log(`▶ ${fault.name}: ${fault.what} (load ${options.rate} orders/s)`);
      const restartsBefore = system.supervisorLines().length;
      const load = startLoad({ commandApi: system.urls.commandApi, rate: options.rate });
      await sleep(options.warmMs);

      const unhealthy = new Set<string>();
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          for (const [role, url] of Object.entries(system.urls.health)) {
            const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
            if (!res) unhealthy.add(`${role}: no answer`);
            else if (!res.ok) unhealthy.add(`${role}: ${res.status} ${(await res.text()).slice(0, 160)}`);
          }
          await sleep(1_000);
        }
      })();
      const detail = await fault.inject({ system, kafka, holdMs: options.holdMs, kills: options.kills, log });
      const released = Date.now();
      await sleep(options.afterMs);
      await load.stop();
      sampling = false;
      await sampler;

      const placedIds = new Set(load.orders().flatMap((o) => (o.orderId ? [o.orderId] : [])));
      const deadline = released + options.settleMs;
      let sagasSettledMs = Number.NaN;
      while (Date.now() < deadline) {
        if (ordersEnded(load.orders(), observer.orders()).length === 0) {
          sagasSettledMs = Date.now() - released;
          break;
        }
        await sleep(250);
      }
      log(
        `  sagas ${Number.isNaN(sagasSettledMs) ? 'NOT settled' : `settled ${(sagasSettledMs / 1000).toFixed(1)} s after the fault`}`,
      );
      let readModelsSettledMs = Number.NaN;
      let readModels: Violation[] = [];
      while (Date.now() < deadline + 30_000) {
        readModels = await readModelsMatchReplay(
          mongo.db,
          await replayedViews(kafka, system.topics, decoders),
        );
        if (readModels.length === 0) {
          readModelsSettledMs = Date.now() - released;
          break;
        }
        await sleep(1_000);
      }
      log(
        `  read models ${Number.isNaN(readModelsSettledMs) ? 'differ from a replay' : `equal a replay ${(readModelsSettledMs / 1000).toFixed(1)} s after the fault`}`,
      );
      // Releases and refunds trail the order's end by a step or two.
      let settledChecks: Violation[] = [];
      for (const until = Date.now() + 30_000; Date.now() < until; await sleep(500)) {
        settledChecks = [
          ...stockConserved(observer.stock(), observer.orders()),
          ...(await moneySettled(system.urls.gateway, observer.orders())),
        ];
        if (settledChecks.length === 0) break;
      }

      const ours = fault.name.startsWith('kill:') ? fault.name.slice(5) : '';
      const lines = system.supervisorLines().slice(restartsBefore);
      const unexpectedRestarts = lines
        .filter((l) => /restarting|giving up|keeps crashing/.test(l.line) && l.service !== ours)
        .map((l) => l.line);
      const violations = [
        ...ordersEnded(load.orders(), observer.orders()),
        ...readModels,
        ...settledChecks,
        ...lines
          .filter((l) => /giving up|keeps crashing/.test(l.line))
          .map((l) => ({ invariant: 'no crash loop', detail: l.line })),
      ];
      const records = [...placedIds].flatMap((id) => {
        const r = observer.orders().get(id);
        return r ? [r] : [];
      });
      const durations = records.flatMap((r) =>
        r.placedAt !== undefined && r.terminalAt !== undefined ? [r.terminalAt - r.placedAt] : [],
      );
      const outcome: FaultOutcome = {
        fault: fault.name,
        what: fault.what,
        ordersOffered: load.orders().length,
        ordersPlaced: records.filter((r) => r.placedAt !== undefined).length,
        completed: records.filter((r) => r.state.status === 'Completed').length,
        cancelled: records.filter((r) => r.state.status === 'Cancelled').length,
        clientErrors: load.errors(),
        detail,
        sagasSettledMs,
        readModelsSettledMs,
        placedToEndP50Ms: percentile(durations, 50),
        placedToEndMaxMs: Math.max(0, ...durations),
        unhealthySeen: [...unhealthy],
        unexpectedRestarts,
        violations,
      };
      outcomes.push(outcome);
      log(
        `${violations.length === 0 ? '✓' : '✗'} ${fault.name}: ${outcome.ordersPlaced} placed, ${outcome.completed} completed, ${outcome.cancelled} cancelled; ` +
          `p50 placed→end ${(outcome.placedToEndP50Ms / 1000).toFixed(1)} s, max ${(outcome.placedToEndMaxMs / 1000).toFixed(1)} s` +
          (violations.length
            ? `\n    ${violations.map((v) => `${v.invariant}: ${v.detail}`).join('\n    ')}`
            : ''),
      );
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await observer.stop().catch(() => {});
    await mongo.close().catch(() => {});
    await system.close();
  }
  writeReport(options, outcomes);
  return outcomes;
};

const seconds = (ms: number): Scalar => (Number.isNaN(ms) ? 'never' : Number((ms / 1000).toFixed(1)));

const writeReport = (options: ChaosOptions, outcomes: FaultOutcome[]): void => {
  const result: BenchmarkResult = {
    name: options.name,
    description:
      'Each fault of DESIGN §12 under a sustained order load on a system of its own (`npm run chaos`). ' +
      'Settled: seconds from the end of the fault until every order placed so far had ended (sagas) and every ' +
      'read model equalled a full replay. Guarantees: every order ended, no SKU oversold, stock conserved, ' +
      "nothing left reserved, the gateway's net equal to the completed orders, read models equal to a replay, no crash loop.",
    ...provenance(),
    settings: {
      ratePerSecond: options.rate,
      warmMs: options.warmMs,
      afterMs: options.afterMs,
      holdMs: options.holdMs,
      kills: options.kills,
      settleMs: options.settleMs,
      sagaDeadlineMs: options.sagaDeadlineMs,
    },
    figures: {
      faults: outcomes.length,
      faultsWithViolations: outcomes.filter((o) => o.violations.length > 0).length,
      ordersPlaced: outcomes.reduce((s, o) => s + o.ordersPlaced, 0),
    },
    tables: [
      {
        title: 'Per fault',
        columns: [
          'fault',
          'placed',
          'completed',
          'cancelled',
          'sagas settled (s)',
          'read models settled (s)',
          'placed→end p50 / max (s)',
          'client retries',
          'guarantees',
        ],
        rows: outcomes.map((o) => [
          o.fault,
          o.ordersPlaced,
          o.completed,
          o.cancelled,
          seconds(o.sagasSettledMs),
          seconds(o.readModelsSettledMs),
          `${seconds(o.placedToEndP50Ms)} / ${seconds(o.placedToEndMaxMs)}`,
          Object.entries(o.clientErrors)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'none',
          o.violations.length === 0
            ? 'all hold'
            : o.violations.map((v) => `${v.invariant}: ${v.detail}`).join('; '),
        ]),
      },
      {
        title: 'What each fault did, and what health said meanwhile',
        columns: ['fault', 'what', 'detail', 'health while it lasted'],
        rows: outcomes.map((o) => [
          o.fault,
          o.what,
          Object.entries(o.detail)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
          o.unhealthySeen.join('; ') || 'every service ready',
        ]),
      },
    ],
  };
  const file = writeResult(result, options.resultsDir ?? join(__dirname, 'results'), 'Chaos results');
  (options.log ?? ((l: string) => process.stdout.write(`${l}\n`)))(`report: ${file}`);
};

export type { ServiceRole };
