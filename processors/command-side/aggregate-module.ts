import type { Decider } from '../../domain/decider';
import type { OrderstreamError } from '../../lib/errors';
import type { CommandLike } from '../../lib/adapters/kafka/command-protocol';
import type { AggregateType } from '../../topics/names';
import type { EventCodec } from '../../schemas/event-codec';

/**
 * What the generic command processor needs to know about one aggregate type. Everything
 * else (ownership, transactions, snapshots, replies, dead letters) is the runtime's job,
 * written once for every aggregate.
 */
export interface AggregateModule<C extends CommandLike, E extends { type: string }, S> {
  aggregate: AggregateType;
  decider: Decider<C, E, S>;
  codec: EventCodec<E>;
  /** Narrows a JSON command record to C, or throws ValidationError. */
  parseCommand(json: unknown): C;
  aggregateIdOf(command: C): string;
  occurredAtOf(event: E): string;
  /**
   * The one impure step, for aggregates that front an external party (payments, shipments,
   * notifications): called before `decide` with the current state, it performs the call (with
   * an idempotency key derived from the command) and returns the command with its outcome, so
   * `decide` stays pure. A redelivered command repeats the call with the same key, which the
   * external party answers with the stored result: the effect happens once (G3).
   * Throwing aborts the batch and retries it.
   */
  effect?(command: C, state: S): Promise<C>;
  /**
   * The error to answer with, before anything else, when the command's actor may not know this
   * aggregate exists (a customer addressing another customer's order): the same NOT_FOUND an
   * unused id gets, so ids cannot be probed. Undefined lets the command through.
   */
  hiddenFrom?(command: C, state: S): OrderstreamError | undefined;
  /** State as stored in a snapshot (JSON) and back. */
  stateToJson(state: S): unknown;
  /** Throws a StateShapeError naming the field when the JSON is not a state of this aggregate. */
  stateFromJson(json: unknown): S;
}
