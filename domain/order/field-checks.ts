import { ID_RULE, isValidId } from '../ids';
import { ValidationError, type FieldError } from '../../lib/errors';
import type { CommandMeta } from './commands';

/*
 * Run-time checks shared by every aggregate's command validation. Commands arrive as JSON from
 * Kafka, so the static types are a promise, not a guarantee: each check appends a FieldError
 * and validation reports all problems at once, by field path.
 */

export type Check = (errors: FieldError[], field: string, value: unknown) => void;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const CURRENCY = /^[A-Z]{3}$/;

export const nonEmptyString: Check = (errors, field, value) => {
  if (typeof value !== 'string' || value.trim() === '')
    errors.push({ field, message: 'must be a non-empty string' });
};

/** An integer in [min, max]; the message names the range so a client can fix the value. */
export const integerIn =
  (min: number, max: number = Number.MAX_SAFE_INTEGER): Check =>
  (errors, field, value) => {
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
      errors.push({ field, message: `must be an integer ${range}` });
    }
  };

export const minorUnits: Check = (errors, field, value) => {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    errors.push({ field, message: 'must be a non-negative integer amount in minor units' });
  }
};

export const currencyCode: Check = (errors, field, value) => {
  if (typeof value !== 'string' || !CURRENCY.test(value)) {
    errors.push({ field, message: 'must be an ISO 4217 code such as "EUR"' });
  }
};

export const isoInstant: Check = (errors, field, value) => {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    errors.push({ field, message: 'must be an ISO-8601 date-time with an offset' });
  }
};

export const oneOf =
  (allowed: readonly string[]): Check =>
  (errors, field, value) => {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      errors.push({ field, message: `must be one of ${allowed.join(', ')}` });
    }
  };

export const optional =
  (check: Check): Check =>
  (errors, field, value) => {
    if (value !== undefined) check(errors, field, value);
  };

export const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks an object's fields with `check`, reporting a non-object once at `field`. */
export const object =
  (check: (errors: FieldError[], prefix: string, value: Record<string, unknown>) => void): Check =>
  (errors, field, value) => {
    if (!isObject(value)) errors.push({ field, message: 'must be an object' });
    else check(errors, field, value);
  };

export const eachElement =
  (check: (errors: FieldError[], prefix: string, element: Record<string, unknown>) => void): Check =>
  (errors, field, value) => {
    if (!Array.isArray(value)) {
      errors.push({ field, message: 'must be an array' });
      return;
    }
    value.forEach((element: unknown, i) => {
      if (element === null || typeof element !== 'object') {
        errors.push({ field: `${field}[${i}]`, message: 'must be an object' });
      } else {
        check(errors, `${field}[${i}]`, element as Record<string, unknown>);
      }
    });
  };

/** The fields every command carries: its aggregate id, expectedVersion and meta. */
export const checkEnvelope = (
  errors: FieldError[],
  command: { expectedVersion?: unknown; meta?: Partial<CommandMeta> },
  idField: string,
  id: unknown,
): void => {
  if (!isValidId(id)) errors.push({ field: idField, message: `must be an id: ${ID_RULE}` });
  if (
    command.expectedVersion !== undefined &&
    !(Number.isInteger(command.expectedVersion) && (command.expectedVersion as number) >= 0)
  ) {
    errors.push({ field: 'expectedVersion', message: 'must be a non-negative integer' });
  }
  const meta: Partial<CommandMeta> = isObject(command.meta) ? command.meta : {};
  nonEmptyString(errors, 'meta.commandId', meta.commandId);
  nonEmptyString(errors, 'meta.correlationId', meta.correlationId);
  optional(nonEmptyString)(errors, 'meta.causationId', meta.causationId);
  isoInstant(errors, 'meta.issuedAt', meta.issuedAt);
  optional(nonEmptyString)(errors, 'meta.customerId', meta.customerId);
};

export const unknownType = (errors: FieldError[], aggregate: string, type: unknown): void => {
  errors.push({ field: 'type', message: `unknown ${aggregate} command ${JSON.stringify(type)}` });
};

/** Throws one ValidationError naming every bad field; returns normally when there is none. */
export const throwIfInvalid = (type: unknown, errors: readonly FieldError[]): void => {
  if (errors.length > 0) {
    throw new ValidationError(`invalid ${String(type)} command: ${errors.map((e) => e.field).join(', ')}`, [
      ...errors,
    ]);
  }
};

/** A ValidationError for one field, for checks that need the state as well as the command. */
export const invalidField = (field: string, message: string): ValidationError =>
  new ValidationError(`${field} ${message}`, [{ field, message }]);
