import type { ResilientHttpOptions } from './resilient-http';

/** Options shared by every typed client; `service` defaults to the client's dependency name. */
export type ClientOptions = Omit<ResilientHttpOptions, 'service'> & { service?: string };

/**
 * Per call. The idempotency key is required (G3): derive it from something stable across retries
 * and restarts, e.g. the id of the event the saga is reacting to plus the step name.
 */
export interface CallOptions {
  idempotencyKey: string;
  signal?: AbortSignal;
}
