import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AssignerProtocol } from 'kafkajs';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { readPartition } from '../../lib/adapters/kafka/partition-reader';
import { commandSideHarness, type CommandSideHarness } from '../../test/support/command-side';
import { testEndpoints } from '../../test/support/env';
import { until } from '../../test/support/eventually';
import type { CommandReply } from '../../lib/adapters/kafka/command-protocol';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');

/** A command processor as a real OS process, so SIGKILL means what it says. */
const spawnProcessor = (prefix: string, name: string): ChildProcess => {
  const endpoints = testEndpoints();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'processors', 'orders-command-processor.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: endpoints.kafkaBrokers,
        SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
        ORDERSTREAM_TOPIC_PREFIX: prefix,
        SNAPSHOT_EVERY: '7',
        CONSUMER_SESSION_TIMEOUT_MS: '6000',
        HEALTH_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr?.on(
    'data',
    (d: Buffer) => process.env.TEST_LOG_LEVEL && process.stderr.write(`[${name}] ${d}`),
  );
  return child;
};

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

/** The partitions each member of the group owns, as `topic:partition` lists. */
const partitionOwners = async (h: CommandSideHarness, groupId: string): Promise<string[][]> => {
  const admin = h.kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    if (groups[0]?.state !== 'Stable') return [];
    return groups[0].members.map((member) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return Object.entries(decoded?.assignment ?? {}).flatMap(([topic, partitions]) =>
        partitions.map((p) => `${topic}:${p}`),
      );
    });
  } finally {
    await admin.disconnect();
  }
};

describe('two command processors, one SIGKILLed while commands flow', () => {
  let h: CommandSideHarness;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map(exited));
    await h?.close();
  });

  it('keeps every aggregate at versions 1..n with no gap, fork or duplicate, and loses no acknowledged command', async () => {
    h = await commandSideHarness();
    const a = spawnProcessor(h.prefix, 'A');
    const b = spawnProcessor(h.prefix, 'B');
    children.push(a, b);

    const orders = Array.from({ length: 30 }, () => randomUUID());
    const replies: Promise<CommandReply>[] = [];
    for (const orderId of orders) {
      replies.push(
        h
          .send({ type: 'CreateOrder', orderId, customerId: 'crash', currency: 'EUR', items: [] })
          .then((id) => h.reply(id, 150_000)),
      );
    }
    await Promise.all(replies.slice(0, orders.length));
    // Both processors own partitions before one is killed, or the kill would prove nothing.
    let owners: string[][] = [];
    await until(
      'both processors own partitions of orders.commands',
      async () => {
        owners = await partitionOwners(h, `${h.prefix}orders-command-processor`);
        return owners.length === 2 && owners.every((partitions) => partitions.length > 0);
      },
      60_000,
      () => `(assignments: ${JSON.stringify(owners)})`,
    );

    let killed = false;
    for (let round = 0; round < 8; round++) {
      for (const orderId of orders) {
        const sent = h.send({ type: 'AddItem', orderId, sku: `SKU-${round}`, quantity: 1, unitPrice: 100 });
        replies.push(sent.then((id) => h.reply(id, 150_000)));
      }
      if (round === 3 && !killed) {
        a.kill('SIGKILL');
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const all = await Promise.all(replies);
    await exited(a);
    expect(a.signalCode).toBe('SIGKILL');
    expect(all.filter((r) => !r.ok)).toEqual([]);

    // Read the whole event store back, committed records only. A commit is answered once the
    // coordinator has logged it; its markers reach each partition a moment later, so a read
    // started on the last reply may stop at a partition's last stable offset, before the
    // survivor's final transaction. Read again until every acknowledged command is there: a
    // command really lost (or a transaction left open for good) fails here, with what is missing.
    let versions = new Map<string, number[]>();
    let commandIds = new Set<string>();
    const readBack = async (): Promise<void> => {
      versions = new Map();
      commandIds = new Set();
      for (let partition = 0; partition < 6; partition++) {
        await readPartition(h.kafka, {
          topic: h.topics.events('orders'),
          partition,
          onMessage: (m) => {
            const id = headerString(m.headers, HEADERS.aggregateId) as string;
            versions.set(id, [
              ...(versions.get(id) ?? []),
              Number(headerString(m.headers, HEADERS.aggregateVersion)),
            ]);
            commandIds.add(headerString(m.headers, HEADERS.commandId) as string);
          },
        });
      }
    };
    const missing = () => all.filter((reply) => !commandIds.has(reply.commandId));
    await until(
      'every acknowledged command is in the committed event store',
      async () => {
        await readBack();
        return missing().length === 0;
      },
      60_000,
      async () => {
        const admin = h.kafka.admin();
        await admin.connect();
        const stable = await admin
          .fetchTopicOffsets(h.topics.events('orders'))
          .finally(() => admin.disconnect());
        return `(${missing().length} missing, e.g. ${missing()[0]?.commandId}; last stable offsets ${JSON.stringify(stable.map((o) => o.high))})`;
      },
    );
    for (const orderId of orders) {
      expect(versions.get(orderId)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    }
  });
});
