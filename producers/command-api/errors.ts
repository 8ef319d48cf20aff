import { OrderstreamError } from '../../lib/errors';

/**
 * An Idempotency-Key arrived again with a different request (method, path, body or If-Match).
 * Answering with the first request's outcome would be wrong and running the new one would break
 * the key's promise, so it is refused (422, as the IETF Idempotency-Key draft recommends).
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
