import type { KafkaMessage, Message } from '../../lib/adapters/kafka/types';
import type { Counter } from 'prom-client';
import { OrderstreamError, ValidationError, VersionConflictError, type FieldError } from '../../lib/errors';
import {
  CREATE_SNAPSHOT,
  type CommandLike,
  type CommandReply,
  type ReplyError,
} from '../../lib/adapters/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { partitionForKey } from '../../lib/adapters/kafka/murmur2';
import type { AggregateModule } from './aggregate-module';
import { remember, type AggregateRecord } from './aggregate-record';
import { deadLetterMessage } from '../../lib/adapters/kafka/dead-letter-message';
import { eventRecord } from './event-record';

/** One command's outcome inside a batch, before the transaction commits. */
export interface Staged<S> {
  record?: AggregateRecord<S>;
  aggregateId?: string;
  events: Message[];
  reply?: CommandReply;
  deadLetter?: Message;
  snapshotNow?: boolean;
}

export interface EvaluationContext<C extends CommandLike, E extends { type: string }, S> {
  module: AggregateModule<C, E, S>;
  commandsTopic: string;
  partition: number;
  partitionCount: number;
  counters: {
    commandsTotal: Counter<'type' | 'outcome'>;
    eventsAppended: Counter<'aggregate' | 'type'>;
  };
}

/**
 * The reply's error. An error that can name a current version (a conflict, a refused transition)
 * names the aggregate's, from the record here when the domain, which knows no versions, left it out.
 */
const replyError = (err: OrderstreamError, aggregateVersion?: number): ReplyError => {
  const named =
    'currentVersion' in err && typeof err.currentVersion === 'number' ? err.currentVersion : undefined;
  const currentVersion = 'currentVersion' in err ? (named ?? aggregateVersion) : undefined;
  return {
    code: err.code,
    message: err.message,
    ...(currentVersion !== undefined ? { currentVersion } : {}),
    ...('errors' in err && Array.isArray(err.errors) ? { errors: err.errors as FieldError[] } : {}),
  };
};

/** Looks an aggregate up: this batch's staged changes first, then the partition's records. */
export interface AggregateLookup<S> {
  get(aggregateId: string): AggregateRecord<S> | undefined | Promise<AggregateRecord<S> | undefined>;
}

const commandIdOf = (message: KafkaMessage, json: unknown): string | undefined => {
  const header = headerString(message.headers, HEADERS.commandId);
  if (header !== undefined) return header;
  const meta = typeof json === 'object' && json !== null ? (json as { meta?: unknown }).meta : undefined;
  const id =
    typeof meta === 'object' && meta !== null ? (meta as { commandId?: unknown }).commandId : undefined;
  return typeof id === 'string' ? id : undefined;
};

/**
 * The client's answer to a record that can never succeed: VALIDATION_FAILED (a 400 at the
 * command API) naming the fields when the failure names them.
 */
const validationReply = (err: unknown, fallbackField: string, message: string): ReplyError => {
  const fields = err instanceof ValidationError && err.errors.length > 0 ? err.errors : undefined;
  return {
    code: 'VALIDATION_FAILED',
    message,
    errors: fields ?? [{ field: fallbackField, message: err instanceof Error ? err.message : String(err) }],
  };
};

/**
 * Evaluates one command record against the partition's state (with this batch's staged
 * changes on top): parse, route check, dedupe by command id, effect, version check, decide,
 * evolve, encode. Nothing is written here.
 *
 * Every deterministic failure (a record that would fail the same way on every delivery) ends
 * here as an outcome: dead-lettered with its reason and, when the command id is known, answered
 * with an error reply; the partition moves on. Only a transient failure (the effect's external
 * party away) throws, so the caller retries the batch.
 */
export const evaluateCommand = async <C extends CommandLike, E extends { type: string }, S>(
  ctx: EvaluationContext<C, E, S>,
  aggregates: AggregateLookup<S>,
  message: KafkaMessage,
): Promise<Staged<S>> => {
  const { module, commandsTopic, partition, partitionCount, counters } = ctx;
  const { commandsTotal, eventsAppended } = counters;
  const source = { topic: commandsTopic, partition, offset: message.offset };
  const aggregateIdGuess = message.key?.toString() ?? '';
  const poison = (reason: string, err: unknown, reply?: ReplyError, commandId?: string): Staged<S> => ({
    events: [],
    deadLetter: deadLetterMessage(message, source, reason, err),
    ...(reply && commandId !== undefined
      ? { reply: { commandId, aggregateId: aggregateIdGuess, ok: false, error: reply } }
      : {}),
  });

  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString() ?? '');
  } catch (err) {
    const reason = 'command is not valid JSON';
    return poison(reason, err, validationReply(err, '(root)', reason), commandIdOf(message, undefined));
  }
  const raw = (typeof json === 'object' && json !== null ? json : {}) as {
    type?: unknown;
    meta?: { commandId?: unknown };
  };
  if (raw.type === CREATE_SNAPSHOT && typeof raw.meta?.commandId === 'string') {
    const record = await aggregates.get(aggregateIdGuess);
    const reply: CommandReply = record
      ? {
          commandId: raw.meta.commandId,
          aggregateId: aggregateIdGuess,
          ok: true,
          version: record.version,
          eventTypes: [],
          duplicate: false,
        }
      : {
          commandId: raw.meta.commandId,
          aggregateId: aggregateIdGuess,
          ok: false,
          error: { code: 'NOT_FOUND', message: `no aggregate ${aggregateIdGuess}` },
        };
    return { events: [], reply, aggregateId: aggregateIdGuess, snapshotNow: record !== undefined };
  }
  let command: C;
  try {
    command = module.parseCommand(json);
  } catch (err) {
    const reason = `command rejected by its schema: ${err instanceof Error ? err.message : String(err)}`;
    commandsTotal.inc({
      type: typeof raw.type === 'string' ? raw.type : 'unknown',
      outcome: 'dead-lettered',
    });
    return poison(reason, err, validationReply(err, '(root)', reason), commandIdOf(message, json));
  }

  const aggregateId = module.aggregateIdOf(command);
  const { commandId } = command.meta;
  if (partitionForKey(aggregateId, partitionCount) !== partition) {
    // Owning an aggregate on two partitions would fork its history (G1): refuse the record.
    const reason = `aggregate ${aggregateId} belongs to partition ${partitionForKey(aggregateId, partitionCount)}, not ${partition}: the producer did not use the aggregate partitioner`;
    return {
      events: [],
      deadLetter: deadLetterMessage(message, source, reason, new Error(reason)),
      reply: { commandId, aggregateId, ok: false, error: { code: 'MISROUTED', message: reason } },
    };
  }
  const current = (await aggregates.get(aggregateId)) ?? {
    state: module.decider.initialState(),
    version: 0,
    recent: [],
  };
  const hidden = module.hiddenFrom?.(command, current.state);
  if (hidden) {
    commandsTotal.inc({ type: command.type, outcome: hidden.code });
    return { events: [], reply: { commandId, aggregateId, ok: false, error: replyError(hidden) } };
  }
  const seen = current.recent.find((p) => p.commandId === commandId);
  if (seen) {
    commandsTotal.inc({ type: command.type, outcome: 'duplicate' });
    return {
      events: [],
      reply: {
        commandId,
        aggregateId,
        ok: true,
        version: seen.version,
        eventTypes: seen.eventTypes,
        duplicate: true,
      },
    };
  }
  const deadLettered = (reason: string, err: unknown, reply: ReplyError): Staged<S> => {
    commandsTotal.inc({ type: command.type, outcome: 'dead-lettered' });
    return {
      events: [],
      deadLetter: deadLetterMessage(message, source, reason, err),
      reply: { commandId, aggregateId, ok: false, error: reply },
    };
  };

  if (module.effect) {
    try {
      command = await module.effect(command, current.state);
    } catch (err) {
      // An external party that is away is not the command's fault: the caller retries the batch.
      // An error that says it will never succeed is the command's, and would block the partition.
      if (!(err instanceof OrderstreamError) || err.retriable) throw err;
      return deadLettered(`effect failed: ${err.message}`, err, {
        code: 'VALIDATION_FAILED',
        message: `the command cannot be carried out: ${err.message}`,
        errors: err instanceof ValidationError ? err.errors : [],
      });
    }
  }

  let events: E[];
  try {
    // An aggregate that does not exist answers NOT_FOUND (from decide) before any version talk.
    if (
      current.version > 0 &&
      command.expectedVersion !== undefined &&
      command.expectedVersion !== current.version
    ) {
      throw new VersionConflictError(aggregateId, command.expectedVersion, current.version);
    }
    events = module.decider.decide(command, current.state);
    if (current.version === 0 && command.expectedVersion !== undefined && command.expectedVersion !== 0) {
      throw new VersionConflictError(aggregateId, command.expectedVersion, 0);
    }
  } catch (err) {
    if (err instanceof OrderstreamError) {
      commandsTotal.inc({ type: command.type, outcome: err.code });
      return {
        events: [],
        reply: { commandId, aggregateId, ok: false, error: replyError(err, current.version) },
      };
    }
    // A bug or an unforeseen input: park the command with the reason, answer, and move on.
    return deadLettered(
      `decide failed: ${err instanceof Error ? err.message : String(err)}`,
      err,
      validationReply(err, '(command)', 'the command could not be processed; it was dead-lettered'),
    );
  }

  // Evolve and encode here, per command: an event the schema cannot hold (a number beyond the
  // Avro type, a field the effect left empty) rejects this command only, not its batch.
  let state = current.state;
  let version = current.version;
  let eventMessages: Message[];
  try {
    eventMessages = events.map((event) => {
      state = module.decider.evolve(state, event);
      version += 1;
      return eventRecord({
        aggregateId,
        version,
        partition,
        type: event.type,
        encoded: module.codec.encode(event),
        correlationId: command.meta.correlationId,
        causationId: commandId,
        commandId,
        occurredAt: module.occurredAtOf(event),
      });
    });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return deadLettered(
      `event cannot be written: ${detail}`,
      err,
      validationReply(err, '(command)', `the command's events do not fit their schema: ${detail}`),
    );
  }
  for (const event of events) eventsAppended.inc({ aggregate: module.aggregate, type: event.type });
  const eventTypes = events.map((e) => e.type);
  commandsTotal.inc({ type: command.type, outcome: 'accepted' });
  return {
    aggregateId,
    events: eventMessages,
    record: { state, version, recent: remember(current.recent, { commandId, version, eventTypes }) },
    reply: { commandId, aggregateId, ok: true, version, eventTypes, duplicate: false },
  };
};
