import type { IHeaders, Message } from './types';
import type { FieldError } from '../../errors';
import { HEADERS } from './headers';
import { traceHeaders } from '../../observability/tracing';

/**
 * The contract between the command API and a command processor. Commands and replies are
 * internal, short-lived records, so they travel as JSON; events, the durable history, are Avro.
 *
 * A command record: key = aggregate id (so it lands on the partition of the aggregate's
 * events), value = the command as JSON, headers = ids. A reply record: key = command id.
 */
export interface CommandMetaLike {
  commandId: string;
  correlationId: string;
  causationId?: string;
  issuedAt: string;
}

export interface CommandLike {
  type: string;
  meta: CommandMetaLike;
  expectedVersion?: number;
}

/** Asks the owner of the aggregate to write a snapshot of it now (admin). */
export const CREATE_SNAPSHOT = 'CreateSnapshot';

export type ReplyError = {
  code: string;
  message: string;
  currentVersion?: number;
  errors?: FieldError[];
};

export type CommandReply =
  | {
      commandId: string;
      aggregateId: string;
      ok: true;
      version: number;
      eventTypes: string[];
      /** The command id was already processed: nothing new was written, the original result is repeated. */
      duplicate: boolean;
    }
  | { commandId: string; aggregateId: string; ok: false; error: ReplyError };

export const commandMessage = (aggregateId: string, command: CommandLike): Message => ({
  key: aggregateId,
  value: JSON.stringify(command),
  headers: {
    [HEADERS.commandId]: command.meta.commandId,
    [HEADERS.correlationId]: command.meta.correlationId,
    ...(command.meta.causationId ? { [HEADERS.causationId]: command.meta.causationId } : {}),
    [HEADERS.commandType]: command.type,
    // The span writing the command (an HTTP request, a saga reaction) is the handler's parent.
    ...traceHeaders(),
  },
});

export const replyMessage = (reply: CommandReply, headers: IHeaders = {}): Message => ({
  key: reply.commandId,
  value: JSON.stringify(reply),
  headers: { ...headers, [HEADERS.commandId]: reply.commandId },
});

/** A reply, or undefined for a record that is not one (replies are only ever written by processors). */
export const parseReply = (value: Buffer | null): CommandReply | undefined => {
  if (!value) return undefined;
  try {
    const reply = JSON.parse(value.toString()) as CommandReply;
    return typeof reply.commandId === 'string' && typeof reply.ok === 'boolean' ? reply : undefined;
  } catch {
    return undefined;
  }
};
