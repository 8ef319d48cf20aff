import type * as kafkajs from 'kafkajs';

/**
 * What the rest of the code may know about a Kafka client. Records and headers are our own
 * structural types (kafkajs' objects satisfy them); the clients are the operations we call,
 * picked from kafkajs' interfaces so their option shapes stay the library's. Swapping the
 * library means rewriting this file and `client.ts`, nothing outside `lib/adapters/`.
 */

/** Header values as written and as read (a header repeated on a record arrives as an array). */
export interface IHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined;
}

/** A record as a consumer receives it. */
export interface KafkaMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  offset: string;
  headers?: IHeaders;
}

/** A record to produce. */
export interface Message {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: IHeaders;
  timestamp?: string;
}

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/** Where a produce request put its records, one entry per topic partition. */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  baseOffset?: string;
  logAppendTime?: string;
  logStartOffset?: string;
}

/** One fetched batch of a partition, as an `eachBatch` handler sees it. */
export interface Batch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: KafkaMessage[];
  firstOffset(): string | null;
  lastOffset(): string;
}

/** The `eachBatch` payload fields our consumers use. */
export interface EachBatchPayload {
  batch: Batch;
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** Pauses this batch's partition; the function returned resumes it. */
  pause(): () => void;
  isRunning(): boolean;
  isStale(): boolean;
}

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: KafkaMessage;
  heartbeat(): Promise<void>;
}

/** How a consumer is run: a handler per batch or per record, and the commit policy. */
export interface ConsumerRunConfig {
  autoCommit?: boolean;
  autoCommitInterval?: number | null;
  autoCommitThreshold?: number | null;
  eachBatchAutoResolve?: boolean;
  partitionsConsumedConcurrently?: number;
  eachBatch?: (payload: EachBatchPayload) => Promise<void>;
  eachMessage?: (payload: EachMessagePayload) => Promise<void>;
}

export interface ProducerRecord {
  topic: string;
  messages: Message[];
  /** -1: every in-sync replica has the records. */
  acks?: number;
  timeout?: number;
}

export interface ProducerBatch {
  topicMessages: TopicMessages[];
  acks?: number;
  timeout?: number;
}

/** A consumer group's next offsets, committed inside a transaction. */
export interface TransactionOffsets {
  consumerGroupId: string;
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
}

export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
  sendOffsets(offsets: TransactionOffsets): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  isActive(): boolean;
}

export interface Producer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
  transaction(): Promise<Transaction>;
}

export interface Consumer extends Pick<
  kafkajs.Consumer,
  | 'connect'
  | 'disconnect'
  | 'subscribe'
  | 'stop'
  | 'seek'
  | 'pause'
  | 'resume'
  | 'paused'
  | 'commitOffsets'
  | 'describeGroup'
  | 'on'
  | 'events'
> {
  run(config?: ConsumerRunConfig): Promise<void>;
}

export type Admin = Pick<
  kafkajs.Admin,
  | 'connect'
  | 'disconnect'
  | 'listTopics'
  | 'createTopics'
  | 'deleteTopics'
  | 'createPartitions'
  | 'fetchTopicMetadata'
  | 'fetchTopicOffsets'
  | 'fetchTopicOffsetsByTimestamp'
  | 'fetchOffsets'
  | 'setOffsets'
  | 'resetOffsets'
  | 'describeCluster'
  | 'describeConfigs'
  | 'alterConfigs'
  | 'listGroups'
  | 'describeGroups'
  | 'deleteGroups'
>;

/** The client: a factory of producers, consumers and admins. */
export interface Kafka {
  producer(config?: kafkajs.ProducerConfig): Producer;
  consumer(config: kafkajs.ConsumerConfig): Consumer;
  admin(config?: kafkajs.AdminConfig): Admin;
}

export type ProducerConfig = kafkajs.ProducerConfig;
export type ConsumerConfig = kafkajs.ConsumerConfig;
export type GroupDescription = kafkajs.GroupDescription;
export type PartitionMetadata = kafkajs.PartitionMetadata;
export type ICustomPartitioner = kafkajs.ICustomPartitioner;
export type PartitionerArgs = kafkajs.PartitionerArgs;
