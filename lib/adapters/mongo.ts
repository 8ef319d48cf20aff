import { MongoClient, type Db } from 'mongodb';

/**
 * The one place that builds a MongoDB client. Read models use only what both MongoDB and
 * FerretDB v1 support: no transactions, $lookup, $facet, partial or TTL indexes.
 */
export interface MongoAdapter {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export const connectMongo = async (
  uri: string,
  database: string,
  options: { serverSelectionTimeoutMS?: number } = {},
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
  });
  await client.connect();
  return { client, db: client.db(database), close: () => client.close() };
};

export type { Db, Collection, AnyBulkWriteOperation } from 'mongodb';
