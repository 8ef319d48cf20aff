/**
 * What an id (order, SKU, customer, notification…) may look like, in one place: ids travel into
 * Kafka keys, headers and log lines, so they are held to a safe alphabet. The command API's
 * request schemas, the query API's path parameters and the domain's own command checks all use
 * this rule, so the edge and the domain cannot disagree.
 */
export const ID_PATTERN = '^[A-Za-z0-9._:-]+$';
export const ID_MAX_LENGTH = 64;

const ID = new RegExp(ID_PATTERN);

export const isValidId = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= ID_MAX_LENGTH && ID.test(value);

/** The same rule as a JSON Schema, for Ajv and the OpenAPI documents. */
export const idSchema = {
  type: 'string',
  minLength: 1,
  maxLength: ID_MAX_LENGTH,
  pattern: ID_PATTERN,
} as const;

export const ID_RULE = `1-${ID_MAX_LENGTH} characters of letters, digits and . _ : -`;
