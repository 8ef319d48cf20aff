import Ajv, { type AnySchema, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError, type FieldError } from './errors';

/*
 * JSON Schema validation with Ajv, reporting problems by field. Both the HTTP edge (request
 * bodies, query strings) and the domain (commands from Kafka, against the same schemas) use it,
 * so it knows nothing of HTTP: a ValidationError's status is chosen at the edge.
 */

/**
 * Field paths are JavaScript-style (`items[0].quantity`, `["odd key"]`), not JSON pointers:
 * they read like the client's own code and match the field names in our documentation.
 * The document itself (e.g. a body that is not an object) is `(root)`.
 */
export const ROOT_FIELD = '(root)';

/** Keeps a pathological body (thousands of bad items) from producing a megabyte of errors. */
const MAX_REPORTED_ERRORS = 100;

export interface Validator<T> {
  /** Returns the input typed as T, or throws ValidationError listing every problem. */
  validate(data: unknown): T;
  /** Every problem, empty when valid; for callers that combine several checks. */
  problems(data: unknown): FieldError[];
}

/** An IANA time zone this runtime knows (Intl's tables), e.g. Europe/Zurich. */
const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * Ajv set up the way every validator here needs: all errors (clients fix everything at once),
 * strict schemas (a typo in a schema fails at start-up, not in production), formats available,
 * `time-zone` among them so that a schema can say what a known zone is, and `discriminator`, so
 * a tagged union reports the problems of the one variant its tag names, not of every variant.
 */
export function createAjv({ coerceTypes = false }: { coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes, discriminator: true });
  addFormats(ajv);
  ajv.addFormat('time-zone', { type: 'string', validate: isTimeZone });
  return ajv;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function fieldPath(jsonPointer: string, child?: string): string {
  const segments = jsonPointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path === '' ? ROOT_FIELD : path;
}

function toFieldError(error: ErrorObject): FieldError {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { field: fieldPath(error.instancePath, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return {
        field: fieldPath(error.instancePath, String(params.additionalProperty)),
        message: 'unknown field',
      };
    case 'discriminator':
      // The tag itself is missing or names no variant: the problem is the tag field's.
      return {
        field: fieldPath(error.instancePath, String(params.tag)),
        message: error.message ?? 'unknown variant',
      };
    case 'enum':
      return {
        field: fieldPath(error.instancePath),
        message: `must be one of: ${(params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`,
      };
    default:
      return { field: fieldPath(error.instancePath), message: error.message ?? `fails ${error.keyword}` };
  }
}

/** Distinct problems, capped, so `anyOf` branches reporting the same thing appear once. */
export function toFieldErrors(errors: readonly ErrorObject[]): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    const fieldError = toFieldError(error);
    const key = `${fieldError.field}\u0000${fieldError.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(fieldError);
  }
  return result.slice(0, MAX_REPORTED_ERRORS);
}

export function validationFailed(errors: FieldError[], what = 'request'): ValidationError {
  const summary = errors
    .slice(0, 5)
    .map((e) => `${e.field}: ${e.message}`)
    .join('; ');
  const more = errors.length > 5 ? ` (and ${errors.length - 5} more)` : '';
  return new ValidationError(`invalid ${what}: ${summary}${more}`, errors);
}

/**
 * Compiles a JSON Schema into a validator. Write object schemas with `additionalProperties: false`
 * so extra fields are reported as "unknown field" instead of silently ignored. `T` is asserted,
 * not inferred: keep the schema and the type side by side.
 */
export function compileValidator<T>(
  schema: AnySchema,
  { ajv = createAjv(), what = 'request body' }: { ajv?: Ajv; what?: string } = {},
): Validator<T> {
  const check = ajv.compile(schema);
  const problems = (data: unknown) => (check(data) ? [] : toFieldErrors(check.errors ?? []));
  return {
    problems,
    validate(data) {
      const found = problems(data);
      if (found.length > 0) throw validationFailed(found, what);
      return data as T;
    },
  };
}
