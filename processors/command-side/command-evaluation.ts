import type { KafkaMessage, Message } from 'kafkajs';
import type { Counter } from 'prom-client';
import { OrderstreamError, VersionConflictError, type FieldError } from '../../lib/errors';
import {
  CREATE_SNAPSHOT,
  type CommandLike,
  type CommandReply,
  type ReplyError,
} from '../../lib/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import { partitionForKey } from '../../lib/kafka/murmur2';
import type { AggregateModule } from './aggregate-module';
import { remember, type AggregateRecord } from './aggregate-record';
import { deadLetterMessage } from './dead-letter';
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

const replyError = (err: OrderstreamError): ReplyError => ({
  code: err.code,
  message: err.message,
  ...('currentVersion' in err && typeof err.currentVersion === 'number'
    ? { currentVersion: err.currentVersion }
    : {}),
  ...('errors' in err && Array.isArray(err.errors) ? { errors: err.errors as FieldError[] } : {}),
});

/**
 * Evaluates one command record against the partition's state (with this batch's staged
 * changes on top): parse, route check, dedupe by command id, version check, effect, decide,
 * evolve. Pure apart from the optional effect; nothing is written here.
 */
export const evaluateCommand = async <C extends CommandLike, E extends { type: string }, S>(
  ctx: EvaluationContext<C, E, S>,
  aggregates: ReadonlyMap<string, AggregateRecord<S>>,
  staged: ReadonlyMap<string, AggregateRecord<S>>,
  message: KafkaMessage,
): Promise<Staged<S>> => {
  const { module, commandsTopic, partition, partitionCount, counters } = ctx;
  const { commandsTotal, eventsAppended } = counters;
  const owner = { partition, aggregates };
  const source = { topic: commandsTopic, partition: owner.partition, offset: message.offset };
  const commandIdHeader = headerString(message.headers, HEADERS.commandId);
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString() ?? '');
  } catch (err) {
    return { events: [], deadLetter: deadLetterMessage(message, source, 'command is not valid JSON', err) };
  }
  const raw = json as { type?: unknown; orderId?: unknown; meta?: { commandId?: unknown } };
  const aggregateIdGuess = message.key?.toString() ?? '';
  if (raw.type === CREATE_SNAPSHOT && typeof raw.meta?.commandId === 'string') {
    const record = staged.get(aggregateIdGuess) ?? owner.aggregates.get(aggregateIdGuess);
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
    const reason = err instanceof Error ? err.message : String(err);
    const deadLetter = deadLetterMessage(message, source, `command rejected by its schema: ${reason}`, err);
    const commandId =
      commandIdHeader ?? (typeof raw.meta?.commandId === 'string' ? raw.meta.commandId : undefined);
    if (commandId === undefined || !(err instanceof OrderstreamError)) return { events: [], deadLetter };
    return {
      events: [],
      deadLetter,
      reply: { commandId, aggregateId: aggregateIdGuess, ok: false, error: replyError(err) },
    };
  }

  const aggregateId = module.aggregateIdOf(command);
  const { commandId } = command.meta;
  if (partitionForKey(aggregateId, partitionCount) !== owner.partition) {
    // Owning an aggregate on two partitions would fork its history (G1): refuse the record.
    const reason = `aggregate ${aggregateId} belongs to partition ${partitionForKey(aggregateId, partitionCount)}, not ${owner.partition}: the producer did not use the aggregate partitioner`;
    return {
      events: [],
      deadLetter: deadLetterMessage(message, source, reason, new Error(reason)),
      reply: { commandId, aggregateId, ok: false, error: { code: 'MISROUTED', message: reason } },
    };
  }
  const current = staged.get(aggregateId) ??
    owner.aggregates.get(aggregateId) ?? { state: module.decider.initialState(), version: 0, recent: [] };
  const fail = (err: OrderstreamError): Staged<S> => {
    commandsTotal.inc({ type: command.type, outcome: err.code });
    return { events: [], reply: { commandId, aggregateId, ok: false, error: replyError(err) } };
  };

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

  let events: E[];
  if (module.effect) {
    // Outside the try below: a failed external call is not the command's fault; the batch
    // is retried rather than the command rejected.
    command = await module.effect(command, current.state);
  }
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
      if ('currentVersion' in err && err.currentVersion === undefined) {
        (err as { currentVersion?: number }).currentVersion = current.version;
      }
      return fail(err);
    }
    // A bug or an unforeseen input: park the command with the reason, answer, and move on.
    commandsTotal.inc({ type: command.type, outcome: 'dead-lettered' });
    return {
      events: [],
      deadLetter: deadLetterMessage(message, source, `decide failed: ${(err as Error).message}`, err),
      reply: {
        commandId,
        aggregateId,
        ok: false,
        error: {
          code: 'COMMAND_FAILED',
          message: 'the command could not be processed; it was dead-lettered',
        },
      },
    };
  }

  let state = current.state;
  let version = current.version;
  const eventMessages: Message[] = events.map((event) => {
    state = module.decider.evolve(state, event);
    version += 1;
    eventsAppended.inc({ aggregate: module.aggregate, type: event.type });
    return eventRecord({
      aggregateId,
      version,
      partition: owner.partition,
      type: event.type,
      encoded: module.codec.encode(event),
      correlationId: command.meta.correlationId,
      causationId: commandId,
      commandId,
      occurredAt: module.occurredAtOf(event),
    });
  });
  const eventTypes = events.map((e) => e.type);
  commandsTotal.inc({ type: command.type, outcome: 'accepted' });
  return {
    aggregateId,
    events: eventMessages,
    record: { state, version, recent: remember(current.recent, { commandId, version, eventTypes }) },
    reply: { commandId, aggregateId, ok: true, version, eventTypes, duplicate: false },
  };
};
