/**
 * Collapses concurrent calls for one key into one: while a load for `key` is in flight, later
 * callers get the same promise. The entry is removed when it settles, so a failure is not
 * remembered and the next call tries again.
 */
export interface SingleFlight<V> {
  run(key: string, load: () => Promise<V>): Promise<V>;
  /** Keys with a load in flight (diagnostics). */
  readonly inFlight: number;
}

export function createSingleFlight<V>(): SingleFlight<V> {
  const pending = new Map<string, Promise<V>>();
  return {
    run(key, load) {
      const existing = pending.get(key);
      if (existing) return existing;
      // `Promise.resolve().then` turns a synchronous throw of `load` into a shared rejection.
      const flight = Promise.resolve()
        .then(load)
        .finally(() => pending.delete(key));
      pending.set(key, flight);
      return flight;
    },
    get inFlight() {
      return pending.size;
    },
  };
}
