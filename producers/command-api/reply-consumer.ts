import type { Consumer, Kafka, KafkaMessage } from '../../lib/adapters/kafka/client';
import { DependencyError } from '../../lib/errors';
import type { Logger } from '../../lib/observability/logger';

export type ReplyConsumerState = 'stopped' | 'joining' | 'running' | 'crashed';

export interface ReplyConsumerOptions {
  kafka: Kafka;
  topic: string;
  /** Unique per API instance: every instance must see every reply. */
  groupId: string;
  startTimeoutMs: number;
  logger: Logger;
  /**
   * Where to start per partition, overriding the end offsets: a consumer started again after a
   * crash resumes after the last reply seen, so none written in between is skipped.
   */
  resumeFrom?: ReadonlyMap<number, string>;
  onMessage(message: KafkaMessage, partition: number): void;
  onState(state: ReplyConsumerState): void;
}

/**
 * The end offsets of `topic` as a read_committed reader sees them. Right after the topic is
 * created (first start of a deployment, tests) a broker may not lead its partitions yet and
 * kafkajs gives up at once; retriable errors are retried with a fresh client, so fresh metadata.
 */
async function endOffsets(kafka: Kafka, topic: string): Promise<{ partition: number; offset: string }[]> {
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map(({ partition, high }) => ({ partition, offset: high }));
    } catch (err) {
      if (attempt >= 20 || (err as { retriable?: boolean }).retriable === false) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * Starts a consumer of the reply topic and resolves once it has joined its group. A new group
 * with fromBeginning: false starts at "latest" as of its first fetch, which comes after
 * GROUP_JOIN, so a reply written in between would be skipped; seeking to the end offsets read
 * before joining closes that gap (re-reading a few replies is harmless).
 */
export async function startReplyConsumer({
  kafka,
  topic,
  groupId,
  startTimeoutMs,
  logger,
  resumeFrom,
  onMessage,
  onState,
}: ReplyConsumerOptions): Promise<Consumer> {
  const offsets = await endOffsets(kafka, topic);
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
  });
  onState('joining');
  let joined = false;
  const joinedOrCrashed = new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
      onState('running');
      resolve();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error, restart: payload.restart }, 'command reply consumer crashed');
      // kafkajs restarts after retriable failures by itself; only a final crash ends the wait.
      onState(payload.restart ? 'joining' : 'crashed');
      if (!payload.restart) {
        reject(new DependencyError('kafka', `reply consumer crashed: ${payload.error.message}`));
      }
    });
  });
  // A crash long after start has no one awaiting this promise; this keeps Node from calling it unhandled.
  joinedOrCrashed.catch(() => undefined);

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  // run() resolves after the first join (or after a failed start, which CRASH reports).
  await consumer.run({ eachMessage: async ({ message, partition }) => onMessage(message, partition) });
  for (const { partition, offset } of offsets) {
    consumer.seek({ topic, partition, offset: resumeFrom?.get(partition) ?? offset });
  }
  if (joined) return consumer;

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DependencyError('kafka', `reply consumer did not join within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
  });
  try {
    await Promise.race([joinedOrCrashed, timeout]);
    return consumer;
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    onState('stopped');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
