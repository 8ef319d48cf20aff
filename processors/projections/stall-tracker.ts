/** What a projection step waits on when it cannot finish. */
export type Dependency = 'mongodb' | 'redis' | 'schema-registry' | 'kafka';

export interface Stall {
  partition: string;
  dependency: Dependency;
  since: string;
  attempts: number;
  error: string;
}

/**
 * Which partitions are waiting for which dependency, for health and metrics: `/health` names
 * the dependency the read side is stuck on while it is, and forgets it once the step succeeds.
 */
export const createStallTracker = (
  onChange: (dependency: Dependency, partitions: number) => void = () => {},
  now: () => number = Date.now,
) => {
  const stalls = new Map<string, Stall>();
  const publish = (dependency: Dependency): void =>
    onChange(dependency, [...stalls.values()].filter((s) => s.dependency === dependency).length);
  return {
    fail: (partition: string, dependency: Dependency, err: unknown): void => {
      const held = stalls.get(partition);
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      stalls.set(partition, {
        partition,
        dependency,
        since: held?.dependency === dependency ? held.since : new Date(now()).toISOString(),
        attempts: held?.dependency === dependency ? held.attempts + 1 : 1,
        error,
      });
      if (held && held.dependency !== dependency) publish(held.dependency);
      publish(dependency);
    },
    /** True when the partition was stalled. */
    clear: (partition: string): boolean => {
      const held = stalls.get(partition);
      if (!held) return false;
      stalls.delete(partition);
      publish(held.dependency);
      return true;
    },
    list: (): Stall[] => [...stalls.values()],
  };
};
