import type { SchemaRegistryAdapter } from '../lib/adapters/schema-registry';
import { orderSchemas, type SchemaEntry } from './catalog';

/**
 * Subject naming: TopicRecordNameStrategy, `<topic>-<record full name>`
 * (e.g. `orders.events-io.orderstream.orders.OrderPlaced`). One topic carries many event
 * types, so TopicNameStrategy (one schema per topic) cannot describe it, and each type keeps
 * its own compatibility history per topic. Java, Go and Python Confluent serializers offer
 * the same strategy by name, so their consumers decode our topics without custom code.
 */
export const subjectFor = (topic: string, entry: Pick<SchemaEntry, 'subjectRecordName'>): string =>
  `${topic}-${entry.subjectRecordName}`;

export interface RegisteredVersion {
  schemaId: number;
  /** Our version (the .avsc file's vN), which upcasters key on. */
  version: number;
  entry: SchemaEntry;
}

/**
 * Registers every shipped version of every event type, oldest first, so a fresh registry
 * ends up with the same history as a long-lived one. Idempotent. Returns the latest
 * registered version per event type, which writers encode with.
 */
export const registerEventSchemas = async (
  registry: SchemaRegistryAdapter,
  topic: string,
  entries: readonly SchemaEntry[] = orderSchemas,
): Promise<Map<string, RegisteredVersion>> => {
  await registry.setGlobalCompatibility();
  const latest = new Map<string, RegisteredVersion>();
  const ordered = [...entries].sort(
    (a, b) => a.eventType.localeCompare(b.eventType) || a.version - b.version,
  );
  for (const entry of ordered) {
    const { id } = await registry.register(subjectFor(topic, entry), entry.schema);
    latest.set(entry.eventType, { schemaId: id, version: entry.version, entry });
  }
  return latest;
};
