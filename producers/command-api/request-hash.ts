import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so two bodies that mean the same (`{"a":1,"b":2}`
 * and `{ "b": 2, "a": 1 }`) serialise, and therefore hash, the same. Array order is kept: it
 * is meaningful (item lines).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface RequestFingerprint {
  method: string;
  path: string;
  body: unknown;
  /** The version If-Match asked for: a retry under another precondition is another request. */
  ifMatchVersion?: number;
}

/**
 * What an Idempotency-Key is bound to: a retry must repeat the same method, path, body (up to
 * key order and whitespace) and precondition, or it is a different request reusing the key.
 */
export function requestHash({ method, path, body, ifMatchVersion }: RequestFingerprint): string {
  return createHash('sha256')
    .update(method.toUpperCase())
    .update('\n')
    .update(path)
    .update('\n')
    .update(ifMatchVersion === undefined ? '' : String(ifMatchVersion))
    .update('\n')
    .update(canonicalJson(body))
    .digest('hex');
}
