import { MongoBulkWriteError, MongoClient, MongoError, MongoServerError, type Db as MongoDb } from 'mongodb';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Metrics } from '../observability/metrics';
import { startSpan, tracingStarted } from '../observability/tracing';
import { runEvery } from '../process/run-every';

/**
 * The one place that builds a MongoDB client. Read models use only what both MongoDB and
 * FerretDB v1 support: no transactions, $lookup, $facet, partial or TTL indexes.
 */
export interface MongoAdapter {
  /** Another database on the same connections (a test's own, a rebuild's). */
  client: { db(name: string): Db; close(): Promise<void> };
  db: Db;
  close(): Promise<void>;
}

/**
 * The database operations read models, their rebuilds and the query side use. Collections keep
 * the driver's type: their query and update documents are MongoDB's language itself, which a
 * replacement client would have to speak anyway.
 */
export type Db = Pick<
  MongoDb,
  | 'databaseName'
  | 'collection'
  | 'command'
  | 'listCollections'
  | 'createCollection'
  | 'renameCollection'
  | 'dropCollection'
  | 'dropDatabase'
  | 'admin'
>;

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

/**
 * A client span per command, the child of the span that issued it (a projection's record, a
 * query API request); commands issued outside any span (the driver's own, start-up) are not traced.
 */
const traceCommands = (client: MongoClient): void => {
  const open = new Map<string, Span>();
  const key = (e: { requestId: number; connectionId?: string | number }) =>
    `${e.connectionId}:${e.requestId}`;
  client.on('commandStarted', (e) => {
    if (!trace.getActiveSpan()?.isRecording()) return;
    const collection = e.command[e.commandName];
    const target = typeof collection === 'string' ? ` ${collection}` : '';
    open.set(
      key(e),
      startSpan(`mongodb ${e.commandName}${target}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'mongodb',
          'db.namespace': e.databaseName,
          'db.operation.name': e.commandName,
        },
      }),
    );
  });
  const end = (e: { requestId: number; connectionId?: string | number }, failure?: Error) => {
    const span = open.get(key(e));
    if (!span) return;
    open.delete(key(e));
    if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    span.end();
  };
  client.on('commandSucceeded', (e) => end(e));
  client.on('commandFailed', (e) => end(e, e.failure));
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
    // Command events feed the durations and the spans; the driver emits none without it.
    monitorCommands: options.metrics !== undefined || tracingStarted(),
  });
  if (options.metrics) timeCommands(client, options.metrics);
  if (tracingStarted()) traceCommands(client);
  await client.connect();
  return { client, db: client.db(database), close: () => client.close() };
};

export type { Collection, AnyBulkWriteOperation, Document, Filter } from 'mongodb';

const DUPLICATE_KEY = 11000;

/**
 * A write refused only for duplicate keys: a server error with that code, or a bulk write whose
 * every write error is one. A bulk error with no write errors (a write concern error, a
 * connection lost mid-batch) says nothing about duplicates; `every` on an empty list would call
 * it one and hide the failure.
 */
export const isDuplicateKeyError = (err: unknown): boolean =>
  (err instanceof MongoServerError && err.code === DUPLICATE_KEY) ||
  (err instanceof MongoBulkWriteError &&
    writeErrorsOf(err).length > 0 &&
    writeErrorsOf(err).every((w) => w.code === DUPLICATE_KEY));

const writeErrorsOf = (err: MongoBulkWriteError): readonly { code: number }[] => {
  const errors = err.writeErrors as readonly { code: number }[] | { code: number } | undefined;
  if (errors === undefined) return [];
  return Array.isArray(errors) ? errors : [errors as { code: number }];
};

/** Any error the driver raised (a server's answer or the connection's), as opposed to ours. */
export const isMongoError = (err: unknown): boolean => err instanceof MongoError;

export interface WedgeWatchOptions {
  uri: string;
  /** How often our client is asked; a failed ping is checked against a new client. */
  everyMs?: number;
  /** Consecutive checks where a new client reaches the server and ours does not. */
  strikes?: number;
  /** Called once the client is judged wedged: the process exits for its supervisor to restart it. */
  onWedged(detail: string): void;
  /** Each check's finding: our client answered, the server is away for everyone, or a strike. */
  onChecked?(finding: 'ok' | 'outage' | 'strike'): void;
}

/**
 * A client that no longer reconnects after the server came back (seen once in a while in the
 * projections process after a MongoDB restart under load: no socket to the server at all, every
 * operation waiting on server selection, while other processes had reconnected) is only found by
 * comparison: our ping fails while a brand-new client's succeeds. During a real outage both fail,
 * so nothing happens; only a wedged client is reported, after `strikes` checks in a row.
 */
export const watchForWedgedClient = (adapter: MongoAdapter, options: WedgeWatchOptions): { stop(): void } => {
  const everyMs = options.everyMs ?? 5_000;
  const strikes = options.strikes ?? 4;
  let count = 0;
  const pingWith = async (db: Db): Promise<string | undefined> => {
    try {
      await db.command({ ping: 1 }, { timeoutMS: 2_000 });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
  const check = async (): Promise<void> => {
    const ours = await pingWith(adapter.db);
    if (ours === undefined) {
      count = 0;
      options.onChecked?.('ok');
      return;
    }
    const probe = new MongoClient(options.uri, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
    const fresh = await probe
      .connect()
      .then(() => pingWith(probe.db('admin')))
      .catch((err: unknown) => (err instanceof Error ? err.message : String(err)))
      .finally(() => probe.close().catch(() => undefined));
    if (fresh !== undefined) {
      count = 0; // the server itself is away: an outage, which our client rides out
      options.onChecked?.('outage');
      return;
    }
    count += 1;
    options.onChecked?.('strike');
    if (count >= strikes)
      options.onWedged(`a new client reaches MongoDB but ours has not for ${count} checks: ${ours}`);
  };
  return runEvery(everyMs, check, () => undefined, { unref: true });
};
