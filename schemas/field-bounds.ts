import { ValidationError } from '../lib/errors';
import type { SchemaCatalog } from './catalog';

/*
 * What an event field can hold, read from the latest .avsc of its event type. The command schemas
 * (domain/<aggregate>/commands.ts) bound every integer a command carries; the domain reads no
 * files, so command-bounds.unit.spec.ts holds those bounds to these ranges: a command valid at the
 * edge and in the decider but unencodable would be refused only after it reached Kafka. Avro
 * `string` has no length, so lengths stay the schemas' own choice; integers are where the .avsc
 * sets a hard limit.
 */

export interface IntegerBounds {
  minimum: number;
  maximum: number;
}

/** Avro `int`: a signed 32-bit integer. */
export const AVRO_INT: IntegerBounds = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };

/**
 * Avro `long` as avsc writes a JavaScript number: only where no precision can be lost, which
 * avsc takes to stop one short of Number.MAX_SAFE_INTEGER (2^53 − 2).
 */
export const AVRO_LONG: IntegerBounds = { minimum: -(2 ** 53 - 2), maximum: 2 ** 53 - 2 };

type AvroSchema = string | AvroSchema[] | { type: AvroSchema; fields?: AvroField[]; items?: AvroSchema };
interface AvroField {
  name: string;
  type: AvroSchema;
}

/** The schema at `path` (dotted field names; array items are stepped through), nulls skipped. */
const schemaAt = (schema: AvroSchema, path: readonly string[], where: string): AvroSchema => {
  if (Array.isArray(schema)) {
    const branches = schema.filter((branch) => branch !== 'null');
    if (branches.length !== 1)
      throw new ValidationError(`${where}: a union of several types has no one range`);
    return schemaAt(branches[0] as AvroSchema, path, where);
  }
  if (typeof schema === 'object') {
    if (schema.type === 'array' && schema.items !== undefined) return schemaAt(schema.items, path, where);
    if (path.length === 0) return schemaAt(schema.type, path, where);
    const [name, ...rest] = path;
    const field = schema.fields?.find((f) => f.name === name);
    if (field === undefined)
      throw new ValidationError(`${where}: no field ${name}`, [{ field: where, message: 'unknown' }]);
    return schemaAt(field.type, rest, where);
  }
  if (path.length > 0) throw new ValidationError(`${where}: ${schema} has no fields`);
  return schema;
};

/**
 * The integers every one of the given event fields can hold (the intersection of their ranges),
 * e.g. `integerBounds(inventory, ['ProductRegistered', 'lowStockThreshold'], ['LowStockDetected', 'threshold'])`.
 */
export const integerBounds = (
  catalog: SchemaCatalog,
  ...fields: ReadonlyArray<readonly [eventType: string, path: string]>
): IntegerBounds =>
  fields.reduce<IntegerBounds>(
    (bounds, [eventType, path]) => {
      const where = `${eventType}.${path}`;
      const type = schemaAt(catalog.latest(eventType).schema as AvroSchema, path.split('.'), where);
      const range = type === 'int' ? AVRO_INT : type === 'long' ? AVRO_LONG : undefined;
      if (range === undefined) {
        throw new ValidationError(`${where} is ${JSON.stringify(type)}, not an integer`, [
          { field: where, message: 'not int or long' },
        ]);
      }
      return {
        minimum: Math.max(bounds.minimum, range.minimum),
        maximum: Math.min(bounds.maximum, range.maximum),
      };
    },
    { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
  );
