import { STATUS_CODES } from 'node:http';
import {
  AuthenticationError,
  InvalidStateError,
  RateLimitedError,
  TooManyStreamsError,
  WriteSideSaturatedError,
  MalformedJsonError,
  MethodNotAllowedError,
  OrderstreamError,
  ValidationError,
  VersionConflictError,
  type FieldError,
} from '../errors';

/** The challenge every 401 and 403 carries (RFC 6750 §3). */
export const BEARER_CHALLENGE = 'Bearer realm="orderstream"';

/** RFC 9457 media type; clients branch on it to know the body is an error description. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Problem types are non-resolvable URNs named after the error code: stable for clients to key
 * on, and no promise of a documentation URL we do not host (RFC 9457 §3.1.1 allows this).
 */
export const PROBLEM_TYPE_PREFIX = 'urn:orderstream:problem:';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** What `problem()` takes: `type` and `title` may be left to their about:blank defaults. */
export interface ProblemFields {
  status: number;
  detail: string;
  type?: string;
  title?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface ProblemResponse {
  problem: ProblemDetails;
  /** Extra response headers the status requires (e.g. `Allow` on 405). */
  headers: Record<string, string>;
  /** False when the error's own message was withheld; the edge logs those with their stack. */
  exposed: boolean;
}

export const problemType = (code: string): string =>
  `${PROBLEM_TYPE_PREFIX}${code.toLowerCase().replace(/_/g, '-')}`;

const statusTitle = (status: number): string => STATUS_CODES[status] ?? 'Error';

interface Mapping {
  status: number;
  title: string;
  extensions?: (err: OrderstreamError) => Record<string, unknown>;
  headers?: (err: OrderstreamError) => Record<string, string>;
  /** A 5xx whose message is written for the operator (it names no internals), so it is shown. */
  operatorDetail?: true;
}

/**
 * The only place an error code becomes an HTTP status (STYLE: status is chosen at the edge).
 * A code missing here is answered as a generic 500, so a new error class cannot leak by accident.
 */
const STATUS_BY_CODE: Readonly<Record<string, Mapping>> = {
  VALIDATION_FAILED: {
    status: 400,
    title: 'Invalid request',
    extensions: (err) => (err instanceof ValidationError ? { errors: err.errors } : {}),
  },
  MALFORMED_JSON: {
    status: 400,
    title: 'Malformed JSON',
    extensions: (err) =>
      err instanceof MalformedJsonError && err.position !== undefined ? { position: err.position } : {},
  },
  NOT_FOUND: { status: 404, title: 'Not found' },
  // RFC 6750 §3: a request without a token gets the challenge alone, a refused token names why.
  UNAUTHENTICATED: {
    status: 401,
    title: 'Authentication required',
    headers: (err): Record<string, string> => ({
      'WWW-Authenticate':
        err instanceof AuthenticationError && err.tokenPresented
          ? `${BEARER_CHALLENGE}, error="invalid_token"`
          : BEARER_CHALLENGE,
    }),
  },
  FORBIDDEN: {
    status: 403,
    title: 'Forbidden',
    headers: (): Record<string, string> => ({
      'WWW-Authenticate': `${BEARER_CHALLENGE}, error="insufficient_scope"`,
    }),
  },
  FAILURE_INJECTION_DISABLED: { status: 403, title: 'Failure injection disabled' },
  FAILURE_RULES_FULL: { status: 409, title: 'Too many failure rules' },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    headers: (err): Record<string, string> =>
      err instanceof RateLimitedError
        ? {
            'Retry-After': String(err.retryAfterSeconds),
            'RateLimit-Limit': String(err.limit),
            'RateLimit-Remaining': '0',
            'RateLimit-Reset': String(err.retryAfterSeconds),
          }
        : {},
  },
  WRITE_SIDE_SATURATED: {
    status: 429,
    title: 'Write side saturated',
    extensions: (err) => (err instanceof WriteSideSaturatedError ? { lag: err.lag } : {}),
    headers: (err): Record<string, string> =>
      err instanceof WriteSideSaturatedError ? { 'Retry-After': String(err.retryAfterSeconds) } : {},
  },
  TOO_MANY_STREAMS: {
    status: 429,
    title: 'Too many open streams',
    extensions: (err) => (err instanceof TooManyStreamsError ? { maxStreams: err.maxStreams } : {}),
    headers: (): Record<string, string> => ({ 'Retry-After': '5' }),
  },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused' },
  NOT_IMPLEMENTED: { status: 501, title: 'Not implemented', operatorDetail: true },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    headers: (err): Record<string, string> =>
      err instanceof MethodNotAllowedError ? { Allow: err.allowed.join(', ') } : {},
  },
  VERSION_CONFLICT: {
    status: 409,
    title: 'Version conflict',
    extensions: (err) => (err instanceof VersionConflictError ? { currentVersion: err.currentVersion } : {}),
  },
  INVALID_STATE: {
    status: 409,
    title: 'Command not allowed in the current state',
    extensions: (err) =>
      err instanceof InvalidStateError && err.currentVersion !== undefined
        ? { currentVersion: err.currentVersion }
        : {},
  },
  // A projection replay is already running (its lease is held); the body names that job.
  REPLAY_IN_PROGRESS: {
    status: 409,
    title: 'Replay in progress',
    extensions: (err) => {
      const jobId = (err as { jobId?: unknown }).jobId;
      return typeof jobId === 'string' ? { jobId } : {};
    },
  },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  CONFIG_INVALID: { status: 500, title: 'Internal server error' },
  DEPENDENCY_FAILED: {
    status: 503,
    title: 'Service unavailable',
    extensions: (err) => ({ retriable: err.retriable }),
  },
};

// 5xx details are fixed text: the message of a server-side failure describes our internals
// (hosts, queries, stack), which the client can neither act on nor should see.
const SERVER_DETAIL: Readonly<Record<number, string>> = {
  503: 'A dependency is unavailable; retry later.',
};
const GENERIC_DETAIL = 'An unexpected error occurred; quote the correlation id when reporting it.';

/** Builds a problem body; `type` defaults to about:blank, whose title is the status phrase. */
export function problem(fields: ProblemFields): ProblemDetails {
  const { status, detail, type, title, instance, errors, ...extensions } = fields;
  return {
    type: type ?? 'about:blank',
    title: title ?? statusTitle(status),
    status,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    ...(errors !== undefined ? { errors } : {}),
    ...extensions,
  };
}

/** Errors from Koa itself or `ctx.throw` (http-errors): they carry `status` and `expose`. */
function httpStatusOf(err: unknown): { status: number; expose: boolean; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 599) return undefined;
  return { status, expose: e.expose === true, message: typeof e.message === 'string' ? e.message : '' };
}

/** Turns anything thrown into the problem the client sees, never exposing what it should not. */
export function problemFromError(err: unknown, context: { instance?: string } = {}): ProblemResponse {
  if (err instanceof OrderstreamError) {
    const mapping = STATUS_BY_CODE[err.code];
    if (mapping) {
      const exposed = mapping.status < 500 || mapping.operatorDetail === true;
      return {
        problem: problem({
          type: problemType(err.code),
          title: mapping.title,
          status: mapping.status,
          detail: exposed ? err.message : (SERVER_DETAIL[mapping.status] ?? GENERIC_DETAIL),
          instance: context.instance,
          code: err.code,
          ...mapping.extensions?.(err),
        }),
        headers: mapping.headers?.(err) ?? {},
        exposed,
      };
    }
  }

  const http = httpStatusOf(err);
  if (http && !(err instanceof OrderstreamError)) {
    const exposed = http.expose && http.status < 500;
    return {
      problem: problem({
        status: http.status,
        detail: exposed ? http.message : (SERVER_DETAIL[http.status] ?? GENERIC_DETAIL),
        instance: context.instance,
      }),
      headers: {},
      exposed,
    };
  }

  return {
    problem: problem({
      type: problemType('INTERNAL'),
      title: statusTitle(500),
      status: 500,
      detail: GENERIC_DETAIL,
      instance: context.instance,
      code: 'INTERNAL',
    }),
    headers: {},
    exposed: false,
  };
}
