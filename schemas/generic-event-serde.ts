import { ValidationError } from '../lib/errors';
import type { SchemaCatalog, SchemaEntry } from './catalog';
import { upcast, type AvroData, type Upcaster } from './upcasters';

/** Encodes an event with the latest schema of its type; decodes with the writer's, resolved to the latest. */
export interface EventSerde<E extends { type: string }> {
  encode(event: E): { version: number; payload: Buffer };
  decode(eventType: string, writerVersion: number, payload: Buffer): E;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);

/** Domain → Avro: an absent optional field (undefined) is Avro's null. Copies, never shares. */
const toAvro = (value: unknown): unknown => {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(toAvro);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, toAvro(field)]));
  }
  return value;
};

/**
 * Avro → domain: records decode as avsc's generated classes, which become plain objects, and a
 * null field becomes an absent one, so a decoded event is deep-equal to the one encoded.
 */
const fromAvro = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(fromAvro);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, field]) => field !== null)
        .map(([key, field]) => [key, fromAvro(field)]),
    );
  }
  return value;
};

/**
 * Encodes a record with a schema, or throws a ValidationError naming each field the schema
 * cannot hold (a number beyond the Avro type, a missing string), so the writer can tell which
 * input was wrong instead of an avsc message about a value.
 */
export const checkedToBuffer = (entry: SchemaEntry, record: unknown): Buffer => {
  const problems: string[] = [];
  entry.avscType.isValid(record, {
    noUndeclaredFields: true,
    errorHook: (path) => problems.push(path.join('.') || '(root)'),
  });
  if (problems.length > 0) {
    throw new ValidationError(
      `${entry.eventType} does not fit its schema v${entry.version}: ${problems.join(', ')}`,
      problems.map((field) => ({ field, message: `does not match ${entry.subjectRecordName}` })),
    );
  }
  return entry.avscType.toBuffer(record);
};

/**
 * The G5 read path (writer schema → resolve to latest → upcast by writer version) for events
 * whose `data` maps 1:1 onto their Avro record. Unlike the orders codec it does not narrow the
 * decoded record field by field: the schema is the contract, and the record resolved to the
 * latest schema already has every field the domain type declares.
 */
export const createEventSerde = <E extends { type: string; data: unknown }>(
  catalog: SchemaCatalog,
  upcasters: Readonly<Record<string, Upcaster>> = {},
): EventSerde<E> => ({
  encode: (event) => {
    const latest = catalog.latest(event.type);
    return { version: latest.version, payload: checkedToBuffer(latest, toAvro(event.data)) };
  },
  decode: (eventType, writerVersion, payload) => {
    const writer = catalog.find(eventType, writerVersion);
    if (writer === undefined) {
      throw new ValidationError(`no schema ${eventType} v${writerVersion} in ${catalog.namespace}`, [
        { field: 'type', message: `${eventType}@v${writerVersion}` },
      ]);
    }
    const latest = catalog.latest(eventType);
    const writerData = writer.avscType.fromBuffer(payload) as AvroData;
    const resolved =
      writer.version === latest.version
        ? writerData
        : (latest.avscType.fromBuffer(payload, latest.avscType.createResolver(writer.avscType)) as AvroData);
    const data = fromAvro(upcast(eventType, writerVersion, resolved, writerData, upcasters));
    return { type: eventType, data } as E;
  },
});
