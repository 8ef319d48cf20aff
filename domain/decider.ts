/**
 * A decider is the whole of an aggregate's behaviour as three pure functions (Emmett's shape):
 * `decide` turns a command into the events it causes (or throws), `evolve` folds one event
 * into the state, and `initialState` is the state before the first event. No I/O, no clock:
 * the command processor loads history, checks versions and persists what `decide` returns.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Replays a history from the initial state; the command processor and tests share this fold. */
export const foldEvents = <Command, Event, State>(
  decider: Decider<Command, Event, State>,
  events: readonly Event[],
  from: State = decider.initialState(),
): State => events.reduce<State>((state, event) => decider.evolve(state, event), from);
