import { AssignerProtocol, Kafka as KafkaJs, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Kafka } from './types';
// Before any client exists: every connection's request queue gets the fixed timer rule, and
// every cluster keeps the coordinators it found.
import './request-queue-fix';
import './coordinator-cache';

/**
 * The one place that builds a Kafka client. kafkajs is in maintenance; keeping its
 * construction (and log bridging) here means a swap touches this folder, not the domain.
 */
export interface KafkaAdapterOptions {
  brokers: string;
  clientId: string;
  /** Receives kafkajs log entries at warn and above; silent when omitted. */
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;
  retry?: KafkaConfig['retry'];
  connectionTimeoutMs?: number;
  /**
   * Group timing for every consumer this client creates, over what each consumer asks for: how
   * fast a dead member's partitions move is a property of the deployment (DESIGN §12, the
   * failover budget), measured as a whole by bench:failover, not a choice of each consumer.
   */
  groupSettings?: GroupSettings;
  /**
   * Called when a consumer stops for good: kafkajs restarts a consumer after retriable errors
   * only, and a non-retriable one (e.g. "Failed to find group coordinator" after a broker
   * restart) would leave a process that looks alive but consumes nothing. Process entries exit
   * here so their supervisor starts them afresh.
   */
  onConsumerCrash?: (error: Error, groupId: string) => void;
}

export interface GroupSettings {
  /** The broker drops a member silent for this long (at least its group.min.session.timeout.ms). */
  sessionTimeoutMs: number;
  /** How often a member heartbeats, and so how soon it hears of a rebalance. */
  heartbeatIntervalMs: number;
  /** How long a rebalance waits for live members to rejoin before dropping them. */
  rebalanceTimeoutMs: number;
}

/**
 * How long a fetch may wait at the broker when nothing is there yet. The broker answers as soon as
 * a record arrives, so this is not the latency of a hop; it is how often an idle consumer asks.
 * At 50 ms the fifteen consumers of `npm start` kept the idle broker at 0.3 of a core (0.05 at
 * 1 s); at 1 s placed→decided rose at 5 orders/s (p50 4.6 s against 3.4 s at 250 ms, same run
 * conditions), so 250 ms it is.
 */
export const FETCH_MAX_WAIT_MS = 250;

/**
 * For consumers whose batches are each a transaction with a producer of the partition's own: every
 * partition at once. kafkajs fetches again only when every batch of the last fetch is done, so a
 * low limit queues the transactions, and every hop of every order waits for the queue (4 gave
 * placed→decided p50 22 s at 5 orders/s, 64 gave 3 s).
 */
export const ALL_PARTITIONS_AT_ONCE = 64;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export const createKafka = (options: KafkaAdapterOptions): Kafka => {
  const kafka = new KafkaJs({
    clientId: options.clientId,
    brokers: options.brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    logLevel: options.log ? logLevel.WARN : logLevel.NOTHING,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        options.log?.(LEVELS[level] ?? 'info', `kafkajs: ${message}`, extra);
      },
    retry: options.retry ?? { initialRetryTime: 100, retries: 8 },
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
  });
  const { groupSettings, onConsumerCrash } = options;
  const consumer = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => {
    const created = consumer({
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      ...config,
      ...(groupSettings && {
        sessionTimeout: groupSettings.sessionTimeoutMs,
        heartbeatInterval: groupSettings.heartbeatIntervalMs,
        rebalanceTimeout: groupSettings.rebalanceTimeoutMs,
      }),
    });
    if (onConsumerCrash) {
      created.on(created.events.CRASH, ({ payload }) => {
        if (!payload.restart) onConsumerCrash(payload.error, payload.groupId);
      });
    }
    return created;
  };
  return kafka;
};

export type * from './types';
export { ConfigResourceTypes } from 'kafkajs';

/** The partitions a consumer group member was assigned, by topic, from `describeGroups`; empty mid-rebalance. */
export const memberPartitions = (memberAssignment: Buffer): Record<string, number[]> => {
  if (memberAssignment.length === 0) return {};
  return AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment ?? {};
};
