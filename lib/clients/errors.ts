import { DependencyError } from '../errors';

/**
 * How an external call ended when it did not produce a result the caller can use:
 * - `unavailable`: 5xx or network error on every attempt (retries exhausted);
 * - `timeout`: the last attempt exceeded the client's timeout;
 * - `circuit_open`: the breaker refused the call without trying;
 * - `bulkhead_full`: too many calls in flight and queued already;
 * - `aborted`: the caller's signal aborted the call;
 * - `rejected`: the service refused the request (4xx other than a business decline);
 * - `invalid_response`: a 2xx whose body is not what the contract says.
 */
export type ExternalFailure =
  'unavailable' | 'timeout' | 'circuit_open' | 'bulkhead_full' | 'aborted' | 'rejected' | 'invalid_response';

const RETRIABLE: Readonly<Record<ExternalFailure, boolean>> = {
  unavailable: true,
  timeout: true,
  circuit_open: true,
  bulkhead_full: true,
  aborted: true,
  // Sending the same request again cannot change the answer.
  rejected: false,
  invalid_response: false,
};

/**
 * A DependencyError (code DEPENDENCY_FAILED, 503 at the HTTP edge) saying which call failed and
 * how. `retriable` tells the caller (the saga runtime) whether trying later may succeed; the
 * client has already spent its own retries.
 */
export class ExternalCallError extends DependencyError {
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly failure: ExternalFailure,
    message: string,
    readonly details: { attempts: number; status?: number; problem?: unknown; cause?: unknown },
  ) {
    super(service, `${operation}: ${message}`, { retriable: RETRIABLE[failure], cause: details.cause });
  }
}

/** The bulkhead's queue is full; shed at once instead of waiting without bound. */
export class BulkheadFullError extends DependencyError {
  constructor(name: string, maxConcurrent: number, maxQueue: number) {
    super(name, `bulkhead full (${maxConcurrent} in flight, ${maxQueue} queued)`, { retriable: true });
  }
}
