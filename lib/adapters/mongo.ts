import { MongoClient, type Db } from 'mongodb';
import type { Metrics } from '../observability/metrics';

/**
 * The one place that builds a MongoDB client. Read models use only what both MongoDB and
 * FerretDB v1 support: no transactions, $lookup, $facet, partial or TTL indexes.
 */
export interface MongoAdapter {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** The commands read models use; anything else is counted as `other`, so the labels stay few. */
const TIMED_COMMANDS = new Set([
  'find',
  'getMore',
  'aggregate',
  'count',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'createIndexes',
  'listCollections',
  'listIndexes',
  'drop',
  'renameCollection',
]);
const MONGO_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * `orderstream_mongodb_operation_duration_seconds{command, outcome}` from the driver's own
 * command monitoring: the time each command spent on the wire and in the server.
 */
const timeCommands = (client: MongoClient, metrics: Metrics): void => {
  const durations = metrics.histogram<'command' | 'outcome'>({
    name: 'mongodb_operation_duration_seconds',
    help: 'MongoDB command durations as the driver saw them, by command and outcome',
    labelNames: ['command', 'outcome'],
    buckets: MONGO_BUCKETS,
  });
  const observe = (name: string, ms: number, outcome: 'ok' | 'error') =>
    durations.observe({ command: TIMED_COMMANDS.has(name) ? name : 'other', outcome }, ms / 1000);
  client.on('commandSucceeded', (e) => observe(e.commandName, e.duration, 'ok'));
  client.on('commandFailed', (e) => observe(e.commandName, e.duration, 'error'));
};

export const connectMongo = async (
  uri: string,
  database: string,
  options: { serverSelectionTimeoutMS?: number; metrics?: Metrics } = {},
): Promise<MongoAdapter> => {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    connectTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    // No operation waits forever on a connection that will never answer (a server restarted
    // under it): it fails, and the caller's retry takes a fresh connection.
    socketTimeoutMS: 60_000,
    // FerretDB v1 does not implement retryable writes' session machinery.
    retryWrites: false,
    maxPoolSize: 20,
    monitorCommands: options.metrics !== undefined,
  });
  if (options.metrics) timeCommands(client, options.metrics);
  await client.connect();
  return { client, db: client.db(database), close: () => client.close() };
};

export type { Db, Collection, AnyBulkWriteOperation } from 'mongodb';
