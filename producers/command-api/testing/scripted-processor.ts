import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from '../../../lib/adapters/kafka/types';
import { replyMessage, type CommandReply } from '../../../lib/adapters/kafka/command-protocol';
import { headersToObject } from '../../../lib/adapters/kafka/headers';
import type { TopicNames } from '../../../topics/names';

export interface ReceivedCommand {
  topic: string;
  key: string;
  partition: number;
  headers: Record<string, string>;
  /** Orders carry `orderId`, inventory commands `sku`; the record key is the aggregate id either way. */
  command: { type: string; meta: { commandId: string }; [field: string]: unknown };
}

/** Returns the reply to write for a command, or undefined to stay silent (a slow processor). */
export type Script = (received: ReceivedCommand) => CommandReply | undefined;

export interface ScriptedProcessor {
  /** Its consumer group, which owns the commands topics while it runs (the API's readiness looks). */
  groupId: string;
  received: ReceivedCommand[];
  script: Script;
  /** Writes a reply as the processor would, e.g. after the API gave up waiting. */
  reply(reply: CommandReply, headers?: IHeaders): Promise<void>;
  /** Resolves with the n-th command (1-based) once it has arrived. */
  nth(n: number, timeoutMs?: number): Promise<ReceivedCommand>;
  stop(): Promise<void>;
}

/** The aggregates whose commands the API sends, so the ones the stand-in reads. */
const AGGREGATES = ['orders', 'inventory'] as const;

/**
 * A stand-in for the command processors in integration tests of the API: reads the orders and
 * inventory commands topics like the real ones and answers on the one reply topic per `script`.
 */
export async function startScriptedProcessor(kafka: Kafka, topics: TopicNames): Promise<ScriptedProcessor> {
  const producer = kafka.producer();
  const groupId = `scripted-processor-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: AGGREGATES.map((a) => topics.commands(a)), fromBeginning: true });

  const processor: ScriptedProcessor = {
    groupId,
    received: [],
    script: () => undefined,
    async reply(reply, headers) {
      await producer.send({ topic: topics.replies, messages: [replyMessage(reply, headers)] });
    },
    async nth(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (processor.received.length < n) {
        if (Date.now() > deadline)
          throw new Error(`only ${processor.received.length} of ${n} commands arrived`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return processor.received[n - 1] as ReceivedCommand;
    },
    async stop() {
      await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    },
  };

  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const received: ReceivedCommand = {
        topic,
        key: message.key?.toString() ?? '',
        partition,
        headers: headersToObject(message.headers),
        command: JSON.parse(message.value?.toString() ?? '{}') as ReceivedCommand['command'],
      };
      processor.received.push(received);
      const reply = processor.script(received);
      if (reply) await processor.reply(reply);
    },
  });
  return processor;
}
