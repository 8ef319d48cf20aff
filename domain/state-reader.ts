import { OrderstreamError } from '../lib/errors';

/**
 * Reads an aggregate state back from JSON (a snapshot) as its type says it is, or refuses it
 * naming the first field that is not. Readers are composed per state type, and `object` needs a
 * reader for every key of the type, optional ones too: a field added to a state does not
 * compile until its reader knows it, so a snapshot never drops it on the way back.
 */
export type StateReader<T> = (value: unknown, path: string) => T;

/** A stored state that is not of its aggregate's shape. */
export class StateShapeError extends OrderstreamError {
  readonly code = 'STATE_SHAPE_INVALID';
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path} must be ${expected}`);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const string: StateReader<string> = (value, path) => {
  if (typeof value !== 'string') throw new StateShapeError(path, 'a string');
  return value;
};

export const integer: StateReader<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new StateShapeError(path, 'an integer');
  return value;
};

export const oneOf =
  <L extends string>(values: readonly L[]): StateReader<L> =>
  (value, path) => {
    const found = values.find((v) => v === value);
    if (found === undefined) throw new StateShapeError(path, `one of ${values.join(', ')}`);
    return found;
  };

/** An optional field: absent (or undefined) reads as absent. */
export const optional =
  <T>(reader: StateReader<T>): StateReader<T | undefined> =>
  (value, path) =>
    value === undefined ? undefined : reader(value, path);

export const arrayOf =
  <T>(reader: StateReader<T>): StateReader<T[]> =>
  (value, path) => {
    if (!Array.isArray(value)) throw new StateShapeError(path, 'an array');
    return value.map((element, i) => reader(element, `${path}[${i}]`));
  };

export const recordOf =
  <T>(reader: StateReader<T>): StateReader<Record<string, T>> =>
  (value, path) => {
    if (!isPlainObject(value)) throw new StateShapeError(path, 'an object');
    const read: Record<string, T> = {};
    for (const [key, element] of Object.entries(value)) read[key] = reader(element, `${path}.${key}`);
    return read;
  };

/**
 * An object with exactly these fields read (others are dropped); a field whose reader gives
 * undefined is left out, so an absent optional field stays absent.
 */
export const object =
  <T extends object>(fields: { [K in keyof T]-?: StateReader<T[K]> }): StateReader<T> =>
  (value, path) => {
    if (!isPlainObject(value)) throw new StateShapeError(path, 'an object');
    const read: Partial<T> = {};
    for (const key of Object.keys(fields) as (keyof T & string)[]) {
      const field = fields[key](value[key], `${path}.${key}`);
      if (field !== undefined) read[key] = field;
    }
    // Every key of T has been read by the reader its type asks for (undefined only where T allows it).
    return read as T;
  };

/** A union tagged by `status`: the reader of the stored status reads the rest. */
export const byStatus =
  <S extends { status: string }>(readers: { [K in S['status']]: StateReader<S> }): StateReader<S> =>
  (value, path) => {
    if (!isPlainObject(value)) throw new StateShapeError(path, 'an object');
    const statuses = Object.keys(readers) as S['status'][];
    const status = oneOf(statuses)(value.status, `${path}.status`);
    return readers[status](value, path);
  };
