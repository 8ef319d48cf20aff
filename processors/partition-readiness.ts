import type { HealthCheck } from '../lib/http/health';

/** What readiness needs of a command processor: the partitions it owns and those it has restored. */
export interface RestoringProcessor {
  ownedPartitions(): number[];
  restores(): { partition: number }[];
}

/**
 * The partitions each processor owns but has not restored yet, by processor name; empty when
 * every owned partition is served. A processor takes commands for a partition only once its
 * aggregates are rebuilt, so until then the instance is not ready.
 */
export const unrestoredPartitions = (
  processors: Readonly<Record<string, RestoringProcessor>>,
): Record<string, number[]> => {
  const waiting: Record<string, number[]> = {};
  for (const [name, processor] of Object.entries(processors)) {
    const restored = new Set(processor.restores().map((r) => r.partition));
    const missing = processor.ownedPartitions().filter((p) => !restored.has(p));
    if (missing.length > 0) waiting[name] = missing;
  }
  return waiting;
};

/** The `partitions` health check of the processors process: down while a restore is in progress. */
export const partitionsCheck = (processors: Readonly<Record<string, RestoringProcessor>>): HealthCheck => ({
  name: 'partitions',
  async check() {
    const waiting = Object.entries(unrestoredPartitions(processors));
    if (waiting.length > 0) {
      throw new Error(
        `restoring ${waiting.map(([name, partitions]) => `${name} [${partitions.join(', ')}]`).join('; ')}`,
      );
    }
    const owned = Object.entries(processors).map(([name, p]) => `${name} ${p.ownedPartitions().length}`);
    return { detail: `owned and restored: ${owned.join(', ')}` };
  },
});
