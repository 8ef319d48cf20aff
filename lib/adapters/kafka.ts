import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

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
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export const createKafka = (options: KafkaAdapterOptions): Kafka =>
  new Kafka({
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

export type {
  Kafka,
  Producer,
  Consumer,
  Admin,
  Transaction,
  EachBatchPayload,
  KafkaMessage,
  IHeaders,
} from 'kafkajs';
export { ConfigResourceTypes } from 'kafkajs';
