import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as avro from 'avsc';
import { ValidationError } from '../lib/errors';

/*
 * The .avsc files are the source of truth for the orders event schemas: the registry adapter
 * registers them, the codec encodes with the latest one, and the tests hold every version to
 * BACKWARD_TRANSITIVE. Reading them at module load is deliberate (this is not domain code).
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
): SchemaEntry => {
  const record = schema as Partial<avro.schema.RecordType>;
  if (record.type !== 'record' || record.name !== eventType || record.namespace !== ORDERS_NAMESPACE) {
    throw new ValidationError(
      `${source}: must be a record named ${eventType} in namespace ${ORDERS_NAMESPACE}`,
      [{ field: 'name', message: `expected ${ORDERS_NAMESPACE}.${eventType}` }],
    );
  }
  return {
    eventType,
    version,
    subjectRecordName: `${ORDERS_NAMESPACE}.${eventType}`,
    schema: record as avro.schema.RecordType,
    avscType: avro.Type.forSchema(record as avro.schema.RecordType),
  };
};

/** Loads every `<EventType>.v<N>.avsc` in a directory, sorted by event type then version. */
export const loadSchemaDir = (dir: string): SchemaEntry[] =>
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
      return schemaEntry(match[1] as string, Number(match[2]), schema, file);
    })
    .sort((a, b) => a.eventType.localeCompare(b.eventType) || a.version - b.version);

export const orderSchemas: readonly SchemaEntry[] = loadSchemaDir(ORDER_SCHEMAS_DIR);

export const latestOrderSchemas: ReadonlyMap<string, SchemaEntry> = new Map(
  orderSchemas.map((entry) => [entry.eventType, entry]),
);

export const findSchema = (eventType: string, version: number): SchemaEntry | undefined =>
  orderSchemas.find((entry) => entry.eventType === eventType && entry.version === version);

export const latestSchema = (eventType: string): SchemaEntry => {
  const entry = latestOrderSchemas.get(eventType);
  if (entry === undefined) {
    throw new ValidationError(`no schema for event type ${eventType}`, [
      { field: 'type', message: eventType },
    ]);
  }
  return entry;
};

/**
 * Which shipped version a writer schema (e.g. fetched from the registry by schema id) is, by
 * its parsing-canonical-form fingerprint. Registry version numbers are not used because a
 * subject's numbering depends on what was registered where; upcasters key on ours.
 */
export const versionOfWriterSchema = (
  eventType: string,
  writer: avro.Type | avro.Schema,
): number | undefined => {
  const fingerprint = (writer instanceof avro.Type ? writer : avro.Type.forSchema(writer))
    .fingerprint()
    .toString('hex');
  return orderSchemas.find(
    (entry) => entry.eventType === eventType && entry.avscType.fingerprint().toString('hex') === fingerprint,
  )?.version;
};

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
