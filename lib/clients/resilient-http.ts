import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { CORRELATION_HEADER } from '../http/correlation';
import { currentCorrelation } from '../observability/correlation-context';
import type { FailureInjector } from '../observability/failure-injector';
import type { Metrics } from '../observability/metrics';
import type { ResilienceRegistry } from '../observability/resilience-registry';
import { fullJitterDelay, sleep as defaultSleep, type BackoffOptions } from './backoff';
import { createBulkhead, type Bulkhead } from './bulkhead';
import { createClientMetrics } from './client-metrics';
import { BulkheadFullError, ExternalCallError, type ExternalFailure } from './errors';
import { SpanKind } from '@opentelemetry/api';
import { inSpan, traceHeaders } from '../observability/tracing';

/** The opossum settings a client may tune; its own timeout is off (ours is per attempt, by AbortSignal). */
export type BreakerOptions = Pick<
  CircuitBreaker.Options,
  | 'errorThresholdPercentage'
  | 'resetTimeout'
  | 'volumeThreshold'
  | 'rollingCountTimeout'
  | 'rollingCountBuckets'
>;

export interface ResilientHttpOptions {
  /** Dependency name: metrics label, breaker name, failure-injector target (`payment-gateway`). */
  service: string;
  baseUrl: string;
  /** Per attempt, including reading the body (default 2000 ms). */
  timeoutMs?: number;
  /** Retries after the first attempt, for retriable failures only (default 3). */
  retries?: number;
  backoff?: BackoffOptions;
  breaker?: BreakerOptions;
  bulkhead?: { maxConcurrent?: number; maxQueue?: number };
  metrics: Metrics;
  resilience: ResilienceRegistry;
  /** `POST /api/diagnostics/simulate-failure` reaches this client through it, target `service`. */
  failures?: FailureInjector;
  logger: Logger;
  fetch?: typeof fetch;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface HttpRequest {
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface HttpReply {
  status: number;
  body: unknown;
  headers: Headers;
  /** Attempts it took, for error details. */
  attempts: number;
}

/** What a typed client made of a reply: `outcome` labels the metric (`success`, `declined`, …). */
export interface Interpreted<T> {
  outcome: string;
  value: T;
}

export interface ResilientHttpClient {
  /**
   * Sends the request with timeout, retries (5xx/network/timeout only), breaker and bulkhead,
   * and hands any other reply to `interpret`, which returns the typed result or throws
   * ExternalCallError ('rejected' / 'invalid_response'). Every other failure throws
   * ExternalCallError with `retriable: true`.
   */
  call<T>(request: HttpRequest, interpret: (reply: HttpReply) => Interpreted<T>): Promise<T>;
  readonly breaker: CircuitBreaker<[Attempt], Omit<HttpReply, 'attempts'>>;
  readonly bulkhead: Bulkhead;
  /** Stops the breaker's timers; the client is unusable afterwards. */
  close(): void;
}

/** Statuses that mean "the service is (temporarily) not answering", and only those, are retried. */
const RETRIABLE_STATUS = new Set([502, 503, 504]);

interface Attempt {
  request: HttpRequest;
  signal: AbortSignal;
}

/** The caller's own signal aborted: not the dependency's fault, so the breaker ignores it. */
class CallerAborted extends Error {}

/** Thrown inside an attempt so the breaker counts it; never leaves `call`. */
class TransientFailure extends Error {
  constructor(
    readonly kind: 'unavailable' | 'timeout',
    message: string,
    readonly details: { status?: number; problem?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }
}

const parseBody = (text: string): unknown => {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

const isOpenBreaker = (err: unknown) => (err as { code?: unknown } | null)?.code === 'EOPENBREAKER';

export function createResilientHttpClient(options: ResilientHttpOptions): ResilientHttpClient {
  const {
    service,
    timeoutMs = 2000,
    retries = 3,
    metrics,
    resilience,
    failures,
    fetch: fetchImpl = fetch,
    random = Math.random,
    sleep = defaultSleep,
  } = options;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`retries must be a non-negative integer, got ${retries}`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const logger = options.logger.child({ component: 'http-client', dependency: service });

  const bulkhead = createBulkhead({ name: service, ...options.bulkhead });
  const clientMetrics = createClientMetrics(metrics, service, bulkhead);

  async function attempt({ request, signal }: Attempt): Promise<Omit<HttpReply, 'attempts'>> {
    // Injected failures throw the same retriable DependencyError an outage would, inside the
    // breaker, so chaos tests exercise retries and the breaker for real.
    await failures?.before(service);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    const correlationId = currentCorrelation()?.correlationId;
    if (correlationId !== undefined) headers[CORRELATION_HEADER] = correlationId;

    let response: Response;
    let text: string;
    try {
      // One client span per attempt; its `traceparent` makes the party's server span its child.
      ({ response, text } = await inSpan(
        `${request.method} ${service}`,
        async (span) => {
          const sent = await fetchImpl(`${baseUrl}${request.path}`, {
            method: request.method,
            headers: { ...headers, ...traceHeaders() },
            body: request.body === undefined ? undefined : JSON.stringify(request.body),
            signal,
          });
          span.setAttribute('http.response.status_code', sent.status);
          return { response: sent, text: await sent.text() };
        },
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': request.method,
            'url.full': `${baseUrl}${request.path}`,
            'orderstream.operation': request.operation,
          },
        },
      ));
    } catch (err) {
      if (request.signal?.aborted) throw new CallerAborted('aborted by the caller', { cause: err });
      if (signal.aborted)
        throw new TransientFailure('timeout', `no answer within ${timeoutMs} ms`, { cause: err });
      throw new TransientFailure('unavailable', `network error: ${(err as Error).message}`, { cause: err });
    }
    const body = parseBody(text);
    if (RETRIABLE_STATUS.has(response.status)) {
      const kind = response.status === 504 ? 'timeout' : 'unavailable';
      throw new TransientFailure(kind, `HTTP ${response.status}`, { status: response.status, problem: body });
    }
    return { status: response.status, body, headers: response.headers };
  }

  const breaker = new CircuitBreaker<[Attempt], Omit<HttpReply, 'attempts'>>(attempt, {
    name: service,
    timeout: false,
    errorThresholdPercentage: 50,
    resetTimeout: 10_000,
    volumeThreshold: 5,
    rollingCountTimeout: 10_000,
    ...options.breaker,
    // The caller giving up says nothing about the dependency's health.
    errorFilter: (err: unknown) => err instanceof CallerAborted,
  });
  resilience.register(service, breaker);

  const failureOf = (err: unknown, request: HttpRequest): ExternalFailure => {
    if (request.signal?.aborted) return 'aborted';
    if (isOpenBreaker(err)) return 'circuit_open';
    if (err instanceof BulkheadFullError) return 'bulkhead_full';
    if (err instanceof TransientFailure) return err.kind;
    return 'unavailable';
  };

  async function call<T>(request: HttpRequest, interpret: (reply: HttpReply) => Interpreted<T>): Promise<T> {
    const started = performance.now();
    const record = (outcome: string) =>
      clientMetrics.called(request.operation, outcome, (performance.now() - started) / 1000);

    const maxAttempts = retries + 1;
    let lastError: unknown;
    for (let attemptNo = 1; attemptNo <= maxAttempts; attemptNo++) {
      let reply: HttpReply;
      try {
        const answer = await bulkhead.run(() => {
          const signal = request.signal
            ? AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)])
            : AbortSignal.timeout(timeoutMs);
          return breaker.fire({ request, signal });
        }, request.signal);
        reply = { ...answer, attempts: attemptNo };
      } catch (err) {
        const failure = failureOf(err, request);
        // An open breaker, a full bulkhead or a caller who gave up will not change within our backoff.
        const retryHere = (failure === 'unavailable' || failure === 'timeout') && attemptNo < maxAttempts;
        const transient = err instanceof TransientFailure ? err : undefined;
        if (retryHere) {
          lastError = err;
          const delayMs = fullJitterDelay(attemptNo - 1, options.backoff, random);
          clientMetrics.retried();
          logger.warn(
            {
              operation: request.operation,
              attempt: attemptNo,
              failure,
              status: transient?.details.status,
              delayMs,
            },
            'external call failed; retrying',
          );
          try {
            await sleep(delayMs, request.signal);
          } catch (abort) {
            record('aborted');
            throw new ExternalCallError(service, request.operation, 'aborted', 'aborted by the caller', {
              attempts: attemptNo,
              cause: abort,
            });
          }
          continue;
        }
        record(failure);
        const message =
          failure === 'circuit_open'
            ? 'circuit breaker is open'
            : failure === 'bulkhead_full' || failure === 'aborted'
              ? (err as Error).message
              : `${transient?.message ?? (err as Error).message} after ${attemptNo} attempt(s)`;
        logger.warn({ operation: request.operation, attempts: attemptNo, failure }, 'external call failed');
        throw new ExternalCallError(service, request.operation, failure, message, {
          attempts: attemptNo,
          status: transient?.details.status,
          problem: transient?.details.problem,
          cause: err,
        });
      }

      try {
        const { outcome, value } = interpret(reply);
        record(outcome);
        return value;
      } catch (err) {
        record(err instanceof ExternalCallError ? err.failure : 'invalid_response');
        throw err;
      }
    }
    // Unreachable: the last attempt either returns or throws above. Kept so the loop is visibly bounded.
    throw new ExternalCallError(service, request.operation, 'unavailable', 'retries exhausted', {
      attempts: maxAttempts,
      cause: lastError,
    });
  }

  return {
    call,
    breaker,
    bulkhead,
    close: () => breaker.shutdown(),
  };
}
