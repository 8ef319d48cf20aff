import { OrderstreamError } from '../../lib/errors';

/**
 * An Idempotency-Key came back with a different request. Its code is the one problem.ts already
 * maps to 422, so the shared error middleware answers it like the command API does.
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
