/**
 * One error root for the whole code base, the domain's errors included. `code` is stable
 * (clients and dashboards key on it) and `retriable` is read by every retry loop. Nothing here
 * knows about HTTP: the edge (`lib/http/problem.ts`) chooses the status from `code`, and whether
 * the message may reach a client from that status (a 4xx describes the request, a 5xx our inside).
 */
export abstract class OrderstreamError extends Error {
  abstract readonly code: string;
  readonly retriable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** Input that does not have the shape or values we accept. */
export class ValidationError extends OrderstreamError {
  readonly code = 'VALIDATION_FAILED';
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** The addressed aggregate (or other resource) does not exist. */
export class NotFoundError extends OrderstreamError {
  readonly code = 'NOT_FOUND';
}

/** The command carried an expectedVersion that is not the aggregate's current version. */
export class VersionConflictError extends OrderstreamError {
  readonly code = 'VERSION_CONFLICT';
  constructor(
    readonly aggregateId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`expected version ${expectedVersion} of ${aggregateId} but it is at version ${currentVersion}`);
  }
}

/** The command is well formed but the aggregate's current state forbids it. */
export class InvalidStateError extends OrderstreamError {
  readonly code = 'INVALID_STATE';
  constructor(
    message: string,
    readonly currentVersion?: number,
  ) {
    super(message);
  }
}

/** Configuration read from the environment is missing or malformed. */
export class ConfigError extends OrderstreamError {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** A dependency (Kafka, registry, MongoDB, Redis, an external service) failed or timed out. */
export class DependencyError extends OrderstreamError {
  readonly code: string = 'DEPENDENCY_FAILED';
  override readonly retriable: boolean;
  constructor(
    readonly dependency: string,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(`${dependency}: ${message}`, { cause: options.cause });
    this.retriable = options.retriable ?? true;
  }
}

/** A provisioning prerequisite (java, mvn, go, …) is missing; the message says what to install. */
export class PrerequisiteError extends OrderstreamError {
  readonly code = 'PREREQUISITE_MISSING';
}

export const isRetriable = (err: unknown): boolean => err instanceof OrderstreamError && err.retriable;

/**
 * Several configuration variables are wrong at once. Still a ConfigError (same `code`), but it
 * lists every problem so one restart, not one per variable, fixes the deployment.
 */
export class InvalidConfigError extends ConfigError {
  constructor(readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(problems.map((p) => p.variable).join(', '), 'invalid configuration');
    this.message = ['invalid configuration:', ...problems.map((p) => `  ${p.variable}: ${p.message}`)].join(
      '\n',
    );
  }
}

/** A request body larger than the endpoint accepts; rejected before it is buffered. */
export class PayloadTooLargeError extends OrderstreamError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`request body exceeds the limit of ${limitBytes} bytes`);
  }
}

/** A request body in a media type (or content coding) the endpoint does not read. */
export class UnsupportedMediaTypeError extends OrderstreamError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

/** A request body that claims to be JSON but does not parse; the message gives the position. */
export class MalformedJsonError extends OrderstreamError {
  readonly code = 'MALFORMED_JSON';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

/** The path exists but not for this method; `allowed` becomes the `Allow` header. */
export class MethodNotAllowedError extends OrderstreamError {
  readonly code = 'METHOD_NOT_ALLOWED';
  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
  ) {
    super(`${method} is not allowed here; use ${allowed.join(', ')}`);
  }
}

/** No bearer token, or one that fails verification (signature, expiry, issuer, audience). */
export class AuthenticationError extends OrderstreamError {
  readonly code = 'UNAUTHENTICATED';
  constructor(
    message: string,
    /** True when a token was presented but refused: RFC 6750 then asks for `error="invalid_token"`. */
    readonly tokenPresented: boolean,
  ) {
    super(message);
  }
}

/** A verified caller without the role (or ownership) the request needs. */
export class ForbiddenError extends OrderstreamError {
  readonly code = 'FORBIDDEN';
}

/** A client used up its request budget for a route group; it may retry after `retryAfterSeconds`. */
export class RateLimitedError extends OrderstreamError {
  readonly code = 'RATE_LIMITED';
  override readonly retriable = true;
  constructor(
    readonly limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many requests; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * The command processors are further behind than the deployment allows (admission control): new
 * work waits at the client, which retries after `retryAfterSeconds`, instead of piling up in Kafka.
 */
export class WriteSideSaturatedError extends OrderstreamError {
  readonly code = 'WRITE_SIDE_SATURATED';
  override readonly retriable = true;
  constructor(
    readonly lag: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`the write side is ${lag} commands behind; retry after ${retryAfterSeconds} s`);
  }
}

/** A client holds as many server-sent event streams as it may; one must close first. */
export class TooManyStreamsError extends OrderstreamError {
  readonly code = 'TOO_MANY_STREAMS';
  override readonly retriable = true;
  constructor(readonly maxStreams: number) {
    super(`at most ${maxStreams} open streams per client; close one first`);
  }
}

/** Failure injection was asked for on a deployment that did not enable it (FAILURE_INJECTION). */
export class FailureInjectionDisabledError extends OrderstreamError {
  readonly code = 'FAILURE_INJECTION_DISABLED';
  constructor() {
    super('failure injection is disabled in this deployment (set FAILURE_INJECTION=enabled to allow it)');
  }
}

/** Failure injection is on but already holds as many rules as it may. */
export class FailureRulesFullError extends OrderstreamError {
  readonly code = 'FAILURE_RULES_FULL';
  constructor(readonly maxRules: number) {
    super(`at most ${maxRules} failure rules at a time; turn one off first`);
  }
}

/**
 * An Idempotency-Key came back with a different request (method, path, body or If-Match).
 * Answering with the first request's outcome would be wrong and running the new one would break
 * the key's promise, so it is refused (422, as the IETF Idempotency-Key draft recommends). Used
 * by the command API and by the simulators, which keep the same promise.
 */
export class IdempotencyKeyReusedError extends OrderstreamError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(readonly idempotencyKey: string) {
    super(
      `Idempotency-Key ${JSON.stringify(idempotencyKey)} was already used for a different request; ` +
        'send a new key for a new request',
    );
  }
}

/** A capability this deployment was started without (a replay engine, an event reader): 501. */
export class NotAvailableError extends OrderstreamError {
  readonly code = 'NOT_IMPLEMENTED';
  /** `detail` says what is missing and, where it helps, what to do about it. */
  constructor(detail: string) {
    super(detail);
  }
}
