import { InvalidConfigError } from '../errors';

/**
 * Configuration is read from the environment once, at start-up, and validated as a whole:
 * a deployment with three wrong variables should learn about all three from one failed start.
 *
 * An empty or blank value (`FOO=`) counts as unset, because compose files and shells produce it when a
 * variable is "cleared", and treating it as a real empty string would silently disable defaults.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface VarSpec<T> {
  readonly kind: string;
  readonly required: boolean;
  readonly default?: T;
  /** Hide the raw value in error messages (passwords, tokens, URLs with credentials). */
  readonly secret: boolean;
  /** Returns the value or a message that completes "VAR: <message>, got …". */
  parse(raw: string): { ok: true; value: T } | { ok: false; message: string };
}

interface CommonOptions<T> {
  default?: T;
  /** Defaults to `true` when no default is given; `false` makes the value `T | undefined`. */
  required?: boolean;
  secret?: boolean;
}

/**
 * Two call signatures so the result type follows the options: `required: false` without a
 * default yields `T | undefined`, every other combination yields `T`.
 */
export interface VarBuilder<T, O> {
  (options: O & CommonOptions<T> & { required: false; default?: undefined }): VarSpec<T | undefined>;
  (options?: O & CommonOptions<T>): VarSpec<T>;
}

type Parser<T> = VarSpec<T>['parse'];

function builder<T, O>(kind: string, makeParser: (options: O) => Parser<T>): VarBuilder<T, O> {
  return ((options?: O & CommonOptions<T>) => {
    const opts = (options ?? {}) as O & CommonOptions<T>;
    return {
      kind,
      required: opts.default === undefined && opts.required !== false,
      default: opts.default,
      secret: opts.secret ?? false,
      parse: makeParser(opts),
    };
  }) as VarBuilder<T, O>;
}

const ok = <T>(value: T) => ({ ok: true as const, value });
const fail = (message: string) => ({ ok: false as const, message });

function rangeText(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

const string = builder<string, { pattern?: RegExp; minLength?: number }>('string', (o) => (raw) => {
  if (o.minLength !== undefined && raw.length < o.minLength) {
    return fail(`must be at least ${o.minLength} characters`);
  }
  if (o.pattern && !o.pattern.test(raw)) return fail(`must match ${String(o.pattern)}`);
  return ok(raw);
});

const int = builder<number, { min?: number; max?: number }>('int', (o) => (raw) => {
  const n = Number(raw.trim());
  const valid =
    /^-?\d+$/.test(raw.trim()) &&
    Number.isSafeInteger(n) &&
    (o.min === undefined || n >= o.min) &&
    (o.max === undefined || n <= o.max);
  return valid ? ok(n) : fail(`must be an integer${rangeText(o.min, o.max)}`);
});

/** A TCP port; its own builder because every service reads at least one. */
const port = builder<number, object>('port', () => (raw) => int({ min: 1, max: 65535 }).parse(raw));

/**
 * Validated with WHATWG `URL`, returned as the original string so drivers get exactly what the
 * operator wrote. Multi-host URIs (`mongodb://a:1,b:2/db`) are not WHATWG URLs: read those as string.
 */
const url = builder<string, { protocols?: readonly string[] }>('url', (o) => (raw) => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return fail('must be an absolute URL');
  }
  if (o.protocols && !o.protocols.includes(parsed.protocol)) {
    return fail(`must be a URL with protocol ${o.protocols.join(' or ')}`);
  }
  return ok(raw);
});

/** Comma-separated by default; items are trimmed and empty items dropped (`a,,b ,` → [a, b]). */
const list = builder<string[], { separator?: string; minItems?: number }>('list', (o) => (raw) => {
  const items = raw
    .split(o.separator ?? ',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const minItems = o.minItems ?? 1;
  return items.length >= minItems
    ? ok(items)
    : fail(`must be a list of at least ${minItems} item(s) separated by "${o.separator ?? ','}"`);
});

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
const bool = builder<boolean, object>('bool', () => (raw) => {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return fail('must be one of true, false, 1, 0, yes, no, on, off');
});

function oneOf<const V extends string>(values: readonly V[]): VarBuilder<V, object> {
  return builder<V, object>(
    'enum',
    () => (raw) =>
      (values as readonly string[]).includes(raw)
        ? ok(raw as V)
        : fail(`must be one of ${values.join(', ')}`),
  );
}

/** Builders for the spec passed to `readConfig`: `{ PORT: envVar.port({ default: 8081 }) }`. */
export const envVar = { string, int, port, url, list, bool, oneOf };

export type ConfigSpec = Record<string, VarSpec<unknown>>;
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends VarSpec<infer T> ? T : never;
};

/**
 * Reads every variable in `spec` from `env` and returns them typed, keyed by variable name.
 * Throws InvalidConfigError (a ConfigError) listing every wrong or missing variable.
 */
export function readConfig<S extends ConfigSpec>(env: Env, spec: S): ConfigOf<S> {
  const result: Record<string, unknown> = {};
  const problems: { variable: string; message: string }[] = [];

  for (const [variable, varSpec] of Object.entries(spec)) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') {
      if (varSpec.required) problems.push({ variable, message: 'is required but not set' });
      result[variable] = varSpec.default;
      continue;
    }
    const parsed = varSpec.parse(raw);
    if (parsed.ok) {
      result[variable] = parsed.value;
    } else {
      const got = varSpec.secret ? '<redacted>' : JSON.stringify(raw);
      problems.push({ variable, message: `${parsed.message}, got ${got}` });
    }
  }

  if (problems.length > 0) throw new InvalidConfigError(problems);
  return result as ConfigOf<S>;
}
