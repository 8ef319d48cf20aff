import type { Kafka } from '../../lib/adapters/kafka/types';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { readPartition } from '../../lib/adapters/kafka/partition-reader';
import { StateShapeError } from '../../domain/state-reader';
import { OrderstreamError } from '../../lib/errors';
import type { AggregateModule } from './aggregate-module';
import {
  CHECKPOINT_KEY,
  remember,
  type AggregateRecord,
  type CheckpointValue,
  type ProcessedCommand,
  type SnapshotValue,
} from './aggregate-record';
import type { CommandLike } from '../../lib/adapters/kafka/command-protocol';

/** The log holds a version gap or fork for an aggregate: G1 is broken and we refuse to go on. */
export class HistoryIntegrityError extends OrderstreamError {
  readonly code = 'HISTORY_INTEGRITY';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const parseJson = (value: Buffer, where: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch {
    throw new HistoryIntegrityError(`${where} is not JSON`);
  }
  if (!isRecord(parsed) || parsed.format !== 1)
    throw new HistoryIntegrityError(`${where} is not a format 1 snapshot record`);
  return parsed;
};

/**
 * A snapshot as this code writes it (format 1, a positive version, recent commands, and a state
 * the aggregate's reader accepts: see stateOf), or a refusal naming the record: restoring from a
 * record of another shape would build a wrong state silently, so the partition stops instead
 * (and says where).
 */
const isProcessedCommand = (value: unknown): value is ProcessedCommand =>
  isRecord(value) &&
  typeof value.commandId === 'string' &&
  Number.isInteger(value.version) &&
  Array.isArray(value.eventTypes) &&
  value.eventTypes.every((type) => typeof type === 'string');

const parseSnapshot = (value: Buffer, where: string): SnapshotValue => {
  const { aggregateId, version, state, recent, takenAt } = parseJson(value, where);
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new HistoryIntegrityError(
      `${where}: snapshot version ${String(version)} is not a positive integer`,
    );
  if (!Array.isArray(recent) || !recent.every(isProcessedCommand))
    throw new HistoryIntegrityError(`${where}: snapshot's recent commands are malformed`);
  return { format: 1, aggregateId: String(aggregateId), version, state, recent, takenAt: String(takenAt) };
};

const parseCheckpoint = (value: Buffer, where: string): CheckpointValue => {
  const { eventsFromOffset, eventsTopic, takenAt } = parseJson(value, where);
  if (typeof eventsFromOffset !== 'string' || !/^\d+$/.test(eventsFromOffset))
    throw new HistoryIntegrityError(
      `${where}: checkpoint offset ${String(eventsFromOffset)} is not an offset`,
    );
  return {
    format: 1,
    eventsFromOffset,
    ...(typeof eventsTopic === 'string' ? { eventsTopic } : {}),
    takenAt: String(takenAt),
  };
};

/** The snapshot's state as the aggregate's type, or a refusal naming the record and the field. */
const stateOf = <C extends CommandLike, E extends { type: string }, S>(
  module: AggregateModule<C, E, S>,
  json: unknown,
  where: string,
): S => {
  try {
    return module.stateFromJson(json);
  } catch (err) {
    if (!(err instanceof StateShapeError)) throw err;
    throw new HistoryIntegrityError(`${where}: snapshot is not a ${module.aggregate} state: ${err.message}`, {
      cause: err,
    });
  }
};

export interface RestoredPartition<S> {
  aggregates: Map<string, AggregateRecord<S>>;
  /** Aggregates whose latest state is not in a snapshot yet. */
  dirty: Set<string>;
  snapshots: number;
  eventsReplayed: number;
  eventsFromOffset: string;
  eventsEndOffset: string;
}

/**
 * Rebuilds a partition's aggregates from the snapshots topic plus the events written since
 * the last checkpoint — never a full replay once a checkpoint exists. With `only`, just those
 * aggregates (a cache miss): the same reads, so the same guarantee that what comes back is the
 * latest committed version.
 */
export const restorePartition = async <C extends CommandLike, E extends { type: string }, S>(
  kafka: Kafka,
  module: AggregateModule<C, E, S>,
  topics: { events: string; snapshots: string },
  partition: number,
  only?: ReadonlySet<string>,
): Promise<RestoredPartition<S>> => {
  const wanted = (aggregateId: string): boolean => only === undefined || only.has(aggregateId);
  const aggregates = new Map<string, AggregateRecord<S>>();
  const dirty = new Set<string>();
  let checkpoint: CheckpointValue | undefined;
  let snapshots = 0;

  await readPartition(kafka, {
    topic: topics.snapshots,
    partition,
    onMessage: (message) => {
      const key = message.key?.toString();
      if (!key || !message.value) return;
      if (key === CHECKPOINT_KEY) {
        checkpoint = parseCheckpoint(message.value, `${topics.snapshots}[${partition}]@${message.offset}`);
        return;
      }
      if (!wanted(key)) return;
      const snapshot = parseSnapshot(message.value, `${topics.snapshots}[${partition}]@${message.offset}`);
      const known = aggregates.get(key);
      if (known && known.version >= snapshot.version) return;
      aggregates.set(key, {
        state: stateOf(module, snapshot.state, `${topics.snapshots}[${partition}]@${message.offset}`),
        version: snapshot.version,
        recent: snapshot.recent,
      });
      snapshots++;
    },
  });

  // A checkpoint taken on another events topic (before an upcast migration's switch) says nothing
  // about offsets here: the snapshots still hold, the events are read from the start.
  const eventsFromOffset = checkpoint?.eventsTopic === topics.events ? checkpoint.eventsFromOffset : '0';
  let eventsReplayed = 0;
  const eventsEndOffset = await readPartition(kafka, {
    topic: topics.events,
    partition,
    fromOffset: eventsFromOffset,
    onMessage: async (message) => {
      const aggregateId = headerString(message.headers, HEADERS.aggregateId);
      const version = Number(headerString(message.headers, HEADERS.aggregateVersion));
      const eventType = headerString(message.headers, HEADERS.eventType);
      if (!aggregateId || !eventType || !Number.isInteger(version) || !message.value) {
        throw new HistoryIntegrityError(
          `event at ${topics.events}[${partition}]@${message.offset} lacks its headers`,
        );
      }
      const known = aggregates.get(aggregateId) ?? {
        state: module.decider.initialState(),
        version: 0,
        recent: [],
      };
      if (!wanted(aggregateId)) return;
      if (version <= known.version) return; // already in the snapshot
      if (version !== known.version + 1) {
        throw new HistoryIntegrityError(
          `${aggregateId}: event version ${version} follows version ${known.version} at offset ${message.offset}`,
        );
      }
      const { event } = await module.codec.decode(eventType, message.value);
      const commandId = headerString(message.headers, HEADERS.commandId);
      const last = known.recent.at(-1);
      const recent =
        commandId === undefined
          ? known.recent
          : remember(known.recent, {
              commandId,
              version,
              eventTypes: last?.commandId === commandId ? [...last.eventTypes, eventType] : [eventType],
            });
      aggregates.set(aggregateId, { state: module.decider.evolve(known.state, event), version, recent });
      dirty.add(aggregateId);
      eventsReplayed++;
    },
  });

  return { aggregates, dirty, snapshots, eventsReplayed, eventsFromOffset, eventsEndOffset };
};
