import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { ValidationError } from '../../lib/errors';
import { IdempotencyKeyReusedError } from '../../lib/errors';
import { send, type SimulatorResponse } from './problem-response';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAY_HEADER = 'Idempotent-Replay';

const VISIBLE_ASCII = /^[\x21-\x7e]{1,128}$/;

/** The key, bare or as a structured-field string (`"abc"`); 400 when absent or malformed. */
export function requireIdempotencyKey(ctx: Context): string {
  const header = ctx.get(IDEMPOTENCY_HEADER).trim();
  const key = /^"(.*)"$/.exec(header)?.[1] ?? header;
  if (!VISIBLE_ASCII.test(key)) {
    const message = header === '' ? 'is required on every POST' : 'must be 1 to 128 visible ASCII characters';
    throw new ValidationError(`${IDEMPOTENCY_HEADER} ${message}`, [{ field: IDEMPOTENCY_HEADER, message }]);
  }
  return key;
}

/** JSON with sorted keys, so `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const fingerprint = (method: string, path: string, body: unknown): string =>
  createHash('sha256')
    .update(`${method}\n${path}\n${canonicalJson(body)}`)
    .digest('hex');

interface Entry {
  fingerprint: string;
  response: SimulatorResponse;
}

export interface IdempotencyStore {
  /**
   * Answers from the stored response when the key was seen with the same request (header
   * `Idempotent-Replay: true`), refuses it (422) with a different one, and otherwise runs
   * `execute` and keeps its answer if final.
   *
   * `execute` is synchronous on purpose: with no await between lookup and store, two concurrent
   * requests under one key cannot both execute in this single-threaded process.
   */
  respond(ctx: Context, key: string, body: unknown, execute: () => SimulatorResponse): void;
  readonly size: number;
}

/** In memory and bounded: past `capacity` keys the oldest are forgotten, as a real gateway's expire. */
export function createIdempotencyStore({ capacity = 50_000 }: { capacity?: number } = {}): IdempotencyStore {
  const entries = new Map<string, Entry>();
  return {
    get size() {
      return entries.size;
    },
    respond(ctx, key, body, execute) {
      const print = fingerprint(ctx.method, ctx.path, body);
      const stored = entries.get(key);
      if (stored) {
        if (stored.fingerprint !== print) throw new IdempotencyKeyReusedError(key);
        ctx.set(REPLAY_HEADER, 'true');
        send(ctx, stored.response);
        return;
      }
      const response = execute();
      if (response.final) {
        entries.set(key, { fingerprint: print, response });
        if (entries.size > capacity) {
          const oldest = entries.keys().next();
          if (oldest.done !== true) entries.delete(oldest.value);
        }
      }
      send(ctx, response);
    },
  };
}
