import type { AnySchema } from 'ajv';
import type { FieldError } from '../errors';
import { createAjv, toFieldErrors, validationFailed, type Validator } from '../validation';

/**
 * Query strings reach MongoDB filters, so besides the schema we refuse the shapes used for
 * NoSQL operator injection: bracket keys (`status[$ne]=x`, which qs-style parsers turn into
 * `{status: {$ne: 'x'}}`), `$`-prefixed keys (`$where=…`) and values that start an operator
 * (`$ne`, `{"$gt": ""}`). A literal dollar in text (`price $5`) is still allowed.
 */
const OPERATOR_IN_VALUE = /(?:^|[{[,:"'])\s*\$[A-Za-z_]/;

export type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

export interface QuerySchema {
  type: 'object';
  properties: Record<string, AnySchema & object>;
  required?: string[];
  [keyword: string]: unknown;
}

function isArraySchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'array';
}

/**
 * Validates `ctx.query`. Values arrive as strings and are coerced to the schema's type (so
 * `page: {type: 'integer'}` yields a number); a parameter may repeat only if its schema is an
 * array. Unknown parameters are always rejected, whatever `additionalProperties` says.
 */
export function compileQueryValidator<T>(schema: QuerySchema): Validator<T> {
  // Coercion is what makes "2" an integer; it needs its own Ajv because it mutates the data.
  const check = createAjv({ coerceTypes: true }).compile({ additionalProperties: false, ...schema });
  const properties = schema.properties;

  const inspect = (query: RawQuery): { problems: FieldError[]; value: Record<string, unknown> } => {
    const problems: FieldError[] = [];
    const value: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(query)) {
      if (raw === undefined) continue;
      const values = Array.isArray(raw) ? raw : [raw];
      if (/[[\]]/.test(key)) {
        problems.push({ field: key, message: 'bracket notation is not accepted' });
      } else if (key.includes('$')) {
        problems.push({ field: key, message: 'query operators are not accepted' });
      } else if (!Object.prototype.hasOwnProperty.call(properties, key)) {
        problems.push({ field: key, message: 'unknown parameter' });
      } else if (values.some((v) => OPERATOR_IN_VALUE.test(v))) {
        problems.push({ field: key, message: 'query operators are not accepted' });
      } else if (values.length > 1 && !isArraySchema(properties[key])) {
        problems.push({ field: key, message: 'must be given once' });
      } else {
        value[key] = isArraySchema(properties[key]) ? values : values[0];
      }
    }
    if (!check(value)) {
      // A parameter already refused above would otherwise also be reported as "is required".
      const reported = new Set(problems.map((p) => p.field));
      problems.push(...toFieldErrors(check.errors ?? []).filter((p) => !reported.has(p.field)));
    }
    return { problems, value };
  };

  return {
    problems: (data) => inspect(data as RawQuery).problems,
    validate(data) {
      const { problems, value } = inspect(data as RawQuery);
      if (problems.length > 0) throw validationFailed(problems, 'query');
      return value as T;
    },
  };
}
