import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as avro from 'avsc';
import { ValidationError } from '../lib/errors';

/*
 * The .avsc files are the source of truth for the event schemas, one directory and namespace
 * per aggregate type: the registry adapter registers them, the serdes encode with the latest
 * one, and the tests hold every version to BACKWARD_TRANSITIVE. Reading them at module load
 * is deliberate (this is not domain code). The orders catalog keeps its original flat exports.
 */

export const ORDERS_NAMESPACE = 'io.orderstream.orders';
export const ORDER_SCHEMAS_DIR = join(__dirname, 'orders');

export interface SchemaEntry {
  eventType: string;
  version: number;
  /** Fully qualified record name, also the registry subject under RecordNameStrategy. */
  subjectRecordName: string;
  schema: avro.schema.RecordType;
  avscType: avro.Type;
}

const FILE_NAME = /^([A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)\.avsc$/;

/** Builds an entry, refusing a schema whose record name or namespace does not match its event type. */
export const schemaEntry = (
  eventType: string,
  version: number,
  schema: unknown,
  source = eventType,
  namespace = ORDERS_NAMESPACE,
): SchemaEntry => {
  const record = schema as Partial<avro.schema.RecordType>;
  if (record.type !== 'record' || record.name !== eventType || record.namespace !== namespace) {
    throw new ValidationError(`${source}: must be a record named ${eventType} in namespace ${namespace}`, [
      { field: 'name', message: `expected ${namespace}.${eventType}` },
    ]);
  }
  return {
    eventType,
    version,
    subjectRecordName: `${namespace}.${eventType}`,
    schema: record as avro.schema.RecordType,
    avscType: avro.Type.forSchema(record as avro.schema.RecordType),
  };
};

/** Loads every `<EventType>.v<N>.avsc` in a directory, sorted by event type then version. */
export const loadSchemaDir = (dir: string, namespace = ORDERS_NAMESPACE): SchemaEntry[] =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.avsc'))
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (match === null) {
        throw new ValidationError(`${file}: schema files must be named <EventType>.v<N>.avsc`, [
          { field: 'file', message: file },
        ]);
      }
      const schema: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return schemaEntry(match[1] as string, Number(match[2]), schema, file, namespace);
    })
    .sort((a, b) => a.eventType.localeCompare(b.eventType) || a.version - b.version);

/** The shipped schemas of one aggregate type's events, and the look-ups the serdes need. */
export interface SchemaCatalog {
  namespace: string;
  /** Every version of every event type, sorted by event type then version. */
  entries: readonly SchemaEntry[];
  /** The event types with at least one schema, sorted. */
  eventTypes: readonly string[];
  /** The latest version of an event type; throws ValidationError for an unknown type. */
  latest(eventType: string): SchemaEntry;
  find(eventType: string, version: number): SchemaEntry | undefined;
  /**
   * Which shipped version a writer schema (e.g. fetched from the registry by schema id) is, by
   * its parsing-canonical-form fingerprint. Registry version numbers are not used because a
   * subject's numbering depends on what was registered where; upcasters key on ours. Two
   * versions must therefore differ in more than docs and defaults (the canonical form drops them).
   */
  versionOfWriterSchema(eventType: string, writer: avro.Type | avro.Schema): number | undefined;
}

const fingerprintOf = (type: avro.Type): string => type.fingerprint().toString('hex');

/** A catalog over entries already loaded (tests build small ones by hand). */
export const schemaCatalogOf = (entries: readonly SchemaEntry[], namespace: string): SchemaCatalog => {
  const sorted = [...entries].sort((a, b) => a.eventType.localeCompare(b.eventType) || a.version - b.version);
  const latest = new Map(sorted.map((entry) => [entry.eventType, entry]));
  return {
    namespace,
    entries: sorted,
    eventTypes: [...latest.keys()],
    latest: (eventType) => {
      const entry = latest.get(eventType);
      if (entry === undefined) {
        throw new ValidationError(`no schema for event type ${eventType}`, [
          { field: 'type', message: eventType },
        ]);
      }
      return entry;
    },
    find: (eventType, version) =>
      sorted.find((entry) => entry.eventType === eventType && entry.version === version),
    versionOfWriterSchema: (eventType, writer) => {
      const fingerprint = fingerprintOf(writer instanceof avro.Type ? writer : avro.Type.forSchema(writer));
      return sorted.find(
        (entry) => entry.eventType === eventType && fingerprintOf(entry.avscType) === fingerprint,
      )?.version;
    },
  };
};

/** Loads `<dir>/<EventType>.v<N>.avsc`, every record in `namespace`. */
export const createSchemaCatalog = ({ dir, namespace }: { dir: string; namespace: string }): SchemaCatalog =>
  schemaCatalogOf(loadSchemaDir(dir, namespace), namespace);

/** The orders catalog; the exports below it are its original, flat interface. */
export const ordersCatalog: SchemaCatalog = createSchemaCatalog({
  dir: ORDER_SCHEMAS_DIR,
  namespace: ORDERS_NAMESPACE,
});

export const orderSchemas: readonly SchemaEntry[] = ordersCatalog.entries;

export const latestOrderSchemas: ReadonlyMap<string, SchemaEntry> = new Map(
  ordersCatalog.eventTypes.map((eventType) => [eventType, ordersCatalog.latest(eventType)]),
);

export const findSchema = (eventType: string, version: number): SchemaEntry | undefined =>
  ordersCatalog.find(eventType, version);

export const latestSchema = (eventType: string): SchemaEntry => ordersCatalog.latest(eventType);

export const versionOfWriterSchema = (
  eventType: string,
  writer: avro.Type | avro.Schema,
): number | undefined => ordersCatalog.versionOfWriterSchema(eventType, writer);

/**
 * BACKWARD_TRANSITIVE: for each event type, every version must read data written with every
 * earlier version. Returns one line per problem (an empty list means compatible); the
 * versions of a type must also run 1..N without gaps or duplicates.
 */
export const checkBackwardTransitive = (entries: readonly SchemaEntry[]): string[] => {
  const problems: string[] = [];
  const byType = new Map<string, SchemaEntry[]>();
  for (const entry of entries) byType.set(entry.eventType, [...(byType.get(entry.eventType) ?? []), entry]);

  for (const [eventType, versions] of byType) {
    const sorted = [...versions].sort((a, b) => a.version - b.version);
    sorted.forEach((entry, i) => {
      if (entry.version !== i + 1) {
        problems.push(
          `${eventType}: expected v${i + 1} but found v${entry.version} (versions must run 1..N)`,
        );
      }
    });
    for (let later = 1; later < sorted.length; later++) {
      for (let earlier = 0; earlier < later; earlier++) {
        const reader = sorted[later] as SchemaEntry;
        const writer = sorted[earlier] as SchemaEntry;
        try {
          reader.avscType.createResolver(writer.avscType);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          problems.push(
            `${eventType}: v${reader.version} cannot read data written with v${writer.version}: ${reason}`,
          );
        }
      }
    }
  }
  return problems;
};
