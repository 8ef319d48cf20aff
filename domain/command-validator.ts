import type { TSchema } from '@sinclair/typebox';
import { ValidationError, type FieldError } from '../lib/errors';
import { compileValidator, createAjv } from '../lib/validation';

/** A check no JSON Schema can state (a field that must agree with another, a known template…). */
export type CommandRule<C> = (command: C) => FieldError[];

/**
 * One problem per field, the first: a value such as "euro" breaks both the length and the
 * pattern of a currency, and the client needs to hear about the field once.
 */
const firstPerField = (problems: readonly FieldError[]): FieldError[] => {
  const seen = new Set<string>();
  return problems.filter(({ field }) => !seen.has(field) && Boolean(seen.add(field)));
};

/**
 * Validates an aggregate's commands against their schemas (the same ones the HTTP edge's
 * request bodies are derived from), plus `rule` for what a schema cannot say. Commands arrive
 * as JSON from Kafka, so the static type is a promise, not a guarantee: the returned function
 * throws one ValidationError naming every malformed field, and returns when there is none.
 */
export const commandValidator = <C extends { type: string }>(
  aggregate: string,
  schemas: ReadonlyArray<TSchema & { properties: { type: { const: C['type'] } } }>,
  rule: CommandRule<C> = () => [],
): ((command: C) => void) => {
  const ajv = createAjv();
  const byType = new Map(
    schemas.map((schema) => [schema.properties.type.const, compileValidator<C>(schema, { ajv })]),
  );
  return (command) => {
    const validator = byType.get(command.type);
    const problems =
      validator === undefined
        ? [{ field: 'type', message: `unknown ${aggregate} command ${JSON.stringify(command.type)}` }]
        : firstPerField([...validator.problems(command), ...rule(command)]);
    if (problems.length > 0) {
      throw new ValidationError(
        `invalid ${String(command.type)} command: ${problems.map((e) => e.field).join(', ')}`,
        problems,
      );
    }
  };
};

/** A ValidationError for one field, for checks that need the state as well as the command. */
export const invalidField = (field: string, message: string): ValidationError =>
  new ValidationError(`${field} ${message}`, [{ field, message }]);
