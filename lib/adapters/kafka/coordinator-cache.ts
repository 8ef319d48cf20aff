/**
 * kafkajs asks the broker which node coordinates a group or a transactional id every time it
 * needs that node: a transaction's AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn
 * each cost a FindCoordinator round trip first, four of the nine requests of one saga or command
 * step. The answer changes only when a broker goes away or hands over, so it is kept here.
 *
 * Forgotten, so the next call asks the broker again:
 * - by every client when any broker answers that it is not (or not yet) the coordinator,
 * - when the node is no longer in the client's metadata or cannot be reached,
 * - after `COORDINATOR_TTL_MS` in any case.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs exports no type for its cluster
const Cluster: { prototype: ClusterInternals } = require('kafkajs/src/cluster');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- nor for its connection
const Connection: { prototype: ConnectionInternals } = require('kafkajs/src/network/connection');

interface CoordinatorQuery {
  groupId: string;
  coordinatorType?: number;
}
interface BrokerInternals {
  nodeId: number;
}
interface ClusterInternals {
  findGroupCoordinator(query: CoordinatorQuery): Promise<BrokerInternals>;
  findBroker(query: { nodeId: number }): Promise<BrokerInternals>;
}
interface ConnectionInternals {
  send(...args: unknown[]): Promise<unknown>;
}

export const COORDINATOR_TTL_MS = 60_000;

/** The broker's answers that mean the node asked is no longer the one to ask. */
const STALE_COORDINATOR = new Set([
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
]);

/** Bumped by any stale-coordinator answer: every cached entry older than it is forgotten. */
let generation = 0;
const known = new WeakMap<
  ClusterInternals,
  Map<string, { nodeId: number; at: number; generation: number }>
>();
const cacheOf = (cluster: ClusterInternals) => {
  let cache = known.get(cluster);
  if (!cache) known.set(cluster, (cache = new Map()));
  return cache;
};

const ask = Cluster.prototype.findGroupCoordinator;
Cluster.prototype.findGroupCoordinator = async function (query) {
  const cache = cacheOf(this);
  const key = `${query.coordinatorType ?? 0}:${query.groupId}`;
  const hit = cache.get(key);
  if (hit && hit.generation === generation && Date.now() - hit.at < COORDINATOR_TTL_MS) {
    try {
      return await this.findBroker({ nodeId: hit.nodeId });
    } catch {
      // Gone from the metadata or unreachable: ask again below.
    }
  }
  cache.delete(key);
  const broker = await ask.call(this, query);
  cache.set(key, { nodeId: broker.nodeId, at: Date.now(), generation });
  return broker;
};

/** Every broker request's failure passes here: an answer naming a stale coordinator forgets them all. */
export const forgetCoordinatorsOn = (error: unknown): void => {
  const type = (error as { type?: unknown } | null | undefined)?.type;
  if (typeof type === 'string' && STALE_COORDINATOR.has(type)) generation += 1;
};

const send = Connection.prototype.send;
Connection.prototype.send = function (...args) {
  return send.apply(this, args).catch((error: unknown) => {
    forgetCoordinatorsOn(error);
    throw error;
  });
};
