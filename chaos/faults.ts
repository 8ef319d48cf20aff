import type { Kafka, Message } from '../lib/adapters/kafka/types';
import { aggregatePartitioner } from '../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage } from '../lib/adapters/kafka/command-protocol';
import type { ServiceName } from '../stack/local-stack';
import type { AggregateType } from '../topics/names';
import definitions from '../topics/topics.json';
import type { ChaosSystem, ServiceRole, SystemProcess } from './system';
import { PIPELINE_PARTS, type PipelineLayout } from '../processors/pipeline';
import { loadLocalKeyPair } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';

/**
 * The faults of DESIGN §12, one at a time. Each `inject` returns when the fault is over (the
 * process restarted and ready, the server back, the party answering again) with what happened;
 * the run then measures how long the system takes to settle and checks the guarantees.
 */
export interface FaultContext {
  system: ChaosSystem;
  kafka: Kafka;
  holdMs: number;
  kills: number;
  log(line: string): void;
}

export interface Fault {
  name: string;
  what: string;
  inject(ctx: FaultContext): Promise<Record<string, string | number>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitUntil = async (
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<number> => {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await Promise.resolve(check()).catch(() => false)) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
};

const ready = (system: ChaosSystem, role: SystemProcess): (() => Promise<boolean>) => {
  const url = system.urls.ready[role];
  if (!url) throw new Error(`${role} is not one of this system's processes (${system.processes.join(', ')})`);
  return async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
};

const ROLES_KILLED: ServiceRole[] = ['processors', 'projections', 'command-api', 'query-api'];

const killRole = (role: SystemProcess): Fault => ({
  name: `kill:${role}`,
  what: `SIGKILL the ${role} process repeatedly; its supervisor restarts it`,
  inject: async ({ system, kills, log }) => {
    const back: number[] = [];
    for (let i = 0; i < kills; i += 1) {
      const before = system.pidOf(role);
      if (!system.signal(role, 'SIGKILL')) throw new Error(`${role} has no running process to kill`);
      const t0 = Date.now();
      await waitUntil(
        `${role} restarted`,
        () => {
          const pid = system.pidOf(role);
          return pid !== undefined && pid !== before;
        },
        60_000,
      );
      await waitUntil(`${role} ready again`, ready(system, role), 120_000);
      back.push(Date.now() - t0);
      log(
        `  ${role} killed (${i + 1}/${kills}), ready again after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      await sleep(3_000);
    }
    return {
      kills,
      readyAgainMaxMs: Math.max(...back),
      readyAgainMeanMs: Math.round(back.reduce((a, b) => a + b, 0) / back.length),
    };
  },
});

const serverOutage = (service: ServiceName, holdMs?: number): Fault => ({
  name: service === 'kafka' ? 'restart:kafka' : `outage:${service}`,
  what:
    service === 'kafka'
      ? 'stop the Kafka broker, keep it down, start it again'
      : `stop the ${service} server for the hold time, then start it again`,
  inject: async (ctx) => {
    const hold = holdMs ?? ctx.holdMs;
    const t0 = Date.now();
    await ctx.system.stopServer(service);
    ctx.log(`  ${service} stopped`);
    await sleep(hold);
    await ctx.system.startServer(service);
    ctx.log(`  ${service} started again after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { downMs: Date.now() - t0 };
  },
});

/** An external party that stops answering (SIGSTOP): connections hang, as a dead host's do. */
const partyOutage = (role: ServiceRole): Fault => ({
  name: `outage:${role}`,
  what: `freeze the ${role} simulator (SIGSTOP) for the hold time, then let it go on (SIGCONT)`,
  inject: async ({ system, holdMs, log }) => {
    if (!system.signal(role, 'SIGSTOP')) throw new Error(`${role} has no running process`);
    log(`  ${role} frozen`);
    await sleep(holdMs);
    system.signal(role, 'SIGCONT');
    log(`  ${role} answering again`);
    return { downMs: holdMs };
  },
});

const AGGREGATES: AggregateType[] = ['orders', 'inventory', 'payments', 'shipments', 'notifications'];

/** Records no consumer can use: not JSON or Avro, an unknown schema id, a command of no known type. */
const poisonRecords = (key: string): Message[] => [
  { key, value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]) },
  {
    key,
    value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0x01]), Buffer.from('not avro')]),
    headers: {
      'event-type': 'OrderPlaced',
      'aggregate-id': key.split(':')[0] ?? key,
      'aggregate-version': '1',
    },
  },
  {
    key,
    value: Buffer.from(JSON.stringify({ type: 'NoSuchCommand', meta: { commandId: `poison-${key}` } })),
  },
  { key, value: null },
];

const poison: Fault = {
  name: 'poison',
  what: 'write undecodable records to every input topic: commands, events, snapshots, replies, retry topics',
  inject: async ({ system, kafka }) => {
    const { topics } = system;
    const targets = [
      ...AGGREGATES.flatMap((a) => [topics.commands(a), topics.events(a), topics.snapshots(a)]),
      topics.replies,
      ...definitions.retries.delaysMs.map((_, i) => topics.retry('saga', i + 1)),
    ];
    const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
    await producer.connect();
    try {
      for (const topic of targets) {
        await producer.send({ topic, messages: poisonRecords(`poison-${Date.now().toString(36)}:1`) });
      }
    } finally {
      await producer.disconnect();
    }
    return { topics: targets.length, records: targets.length * 4 };
  },
};

/** The request the HTTP schema once let through and the processor could not encode. */
const unencodable: Fault = {
  name: 'unencodable',
  what: 'a product whose lowStockThreshold fits JSON but not Avro int, over HTTP and straight onto the commands topic',
  inject: async ({ system, kafka }) => {
    const body = {
      sku: `HUGE-${Date.now().toString(36)}`.toUpperCase(),
      name: 'x',
      price: 0,
      category: 'x',
      initialStock: 0,
      lowStockThreshold: 9007199254740991,
    };
    const operator = await signToken(await loadLocalKeyPair(), {
      subject: 'chaos-operator',
      roles: ['operator'],
    });
    const res = await fetch(`${system.urls.commandApi}/api/commands/inventory/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify(body),
    });
    const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
    await producer.connect();
    try {
      const commandId = `chaos-unencodable-${Date.now()}`;
      await producer.send({
        topic: system.topics.commands('inventory'),
        messages: [
          commandMessage(body.sku, {
            type: 'RegisterProduct',
            ...body,
            meta: { commandId, correlationId: commandId, issuedAt: new Date().toISOString() },
          } as never),
        ],
      });
    } finally {
      await producer.disconnect();
    }
    if (res.status !== 400) throw new Error(`the HTTP edge answered ${res.status}, not 400`);
    return { httpStatus: res.status };
  },
};

/**
 * The processes killed one at a time: the pipeline's processors process, or each of its parts
 * alone when they run apart (`--per-part`).
 */
const killedIn = (layout: PipelineLayout): SystemProcess[] =>
  ROLES_KILLED.flatMap((role) => (role === 'processors' && layout === 'per-part' ? PIPELINE_PARTS : [role]));

/** Every fault of DESIGN §12 for a layout of the pipeline. */
export const faultsFor = (layout: PipelineLayout): Fault[] => [
  ...killedIn(layout).map(killRole),
  serverOutage('kafka', 10_000),
  serverOutage('mongo'),
  serverOutage('redis'),
  serverOutage('registry'),
  partyOutage('payment-gateway'),
  partyOutage('carrier'),
  partyOutage('notifications'),
  poison,
  unencodable,
];

/** Every fault of either layout: the default one's, and a kill for each part alone. */
const KNOWN: Fault[] = [...faultsFor('one'), ...PIPELINE_PARTS.map(killRole)];

export const faultByName = (name: string): Fault => {
  const fault = KNOWN.find((f) => f.name === name);
  if (!fault) throw new Error(`no fault '${name}'; known: ${KNOWN.map((f) => f.name).join(', ')}`);
  return fault;
};
