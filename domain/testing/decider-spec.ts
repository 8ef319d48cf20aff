import { foldEvents, type Decider } from '../decider';

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** A stable error `code` to match, or a predicate the thrown error must satisfy. */
export type ErrorCheck<E extends Error> = string | ((error: E) => boolean);

export interface WhenClause<Event> {
  /** Asserts that `decide` returns exactly these events, in this order. */
  then(expected: Event[]): void;
  /**
   * Asserts that `decide` throws an instance of `errorClass` (and, if given, with this `code`
   * or satisfying the predicate). Returns the error for further assertions.
   */
  thenThrows<E extends Error>(errorClass: ErrorClass<E>, check?: ErrorCheck<E>): E;
}

export interface GivenClause<Command, Event> {
  when(command: Command): WhenClause<Event>;
}

export type DeciderSpecification<Command, Event> = (events: Event[]) => GivenClause<Command, Event>;

/** Freezes the command, history and folded state, so a `decide` or `evolve` that mutates its input fails. */
const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

/**
 * Emmett-style decider tests: `given(history).when(command).then(events)`.
 *
 * The history is folded outside the asserted block on purpose: a history that `evolve` rejects
 * is a broken test, and must not pass a `thenThrows`. Note that the clause returned by `when`
 * has a `then` method, so do not `return` or `await` it from a test.
 */
export const deciderSpecification =
  <Command, Event, State>(decider: Decider<Command, Event, State>): DeciderSpecification<Command, Event> =>
  (events) => ({
    when: (command) => {
      const state = deepFreeze(foldEvents(decider, deepFreeze(structuredClone(events))));
      const frozenCommand = deepFreeze(structuredClone(command));
      return {
        then: (expected) => {
          expect(decider.decide(frozenCommand, state)).toEqual(expected);
        },
        thenThrows: <E extends Error>(errorClass: ErrorClass<E>, check?: ErrorCheck<E>): E => {
          let thrown: unknown;
          let produced: Event[] | undefined;
          try {
            produced = decider.decide(frozenCommand, state);
          } catch (error) {
            thrown = error;
          }
          if (produced !== undefined) {
            throw new Error(
              `expected decide to throw ${errorClass.name} but it returned ${JSON.stringify(produced)}`,
            );
          }
          expect(thrown).toBeInstanceOf(errorClass);
          const error = thrown as E;
          if (typeof check === 'string') {
            expect((error as E & { code?: unknown }).code).toBe(check);
          } else if (check !== undefined && !check(error)) {
            throw new Error(`${errorClass.name} thrown did not satisfy the predicate: ${error.message}`);
          }
          return error;
        },
      };
    },
  });
