import type { CallOptions, ClientOptions } from './client-options';
import { replyFields, requireKey, unexpectedReply } from './reply-fields';
import { createResilientHttpClient, type HttpReply, type ResilientHttpClient } from './resilient-http';

/** Amounts are integer minor units with an ISO 4217 currency, as in domain/order/money.ts. */
export interface PaymentRequest {
  orderId: string;
  amount: number;
  currency: string;
}

export type Declined = { status: 'declined'; reason: string };

export type AuthorizeResult =
  { status: 'authorized'; authorizationId: string; amount: number; replayed: boolean } | Declined;

export type CaptureResult =
  { status: 'captured'; captureId: string; amount: number; currency: string; replayed: boolean } | Declined;

export interface RefundRequest {
  orderId: string;
  amount: number;
  captureId?: string;
}

export interface RefundResult {
  status: 'refunded';
  refundId: string;
  amount: number;
  replayed: boolean;
}

export interface PaymentGatewayClient {
  authorize(request: PaymentRequest, options: CallOptions): Promise<AuthorizeResult>;
  capture(
    request: PaymentRequest & { authorizationId?: string },
    options: CallOptions,
  ): Promise<CaptureResult>;
  /** A refund beyond what was captured is refused: ExternalCallError('rejected', retriable false). */
  refund(request: RefundRequest, options: CallOptions): Promise<RefundResult>;
  readonly http: ResilientHttpClient;
  close(): void;
}

export const PAYMENT_GATEWAY = 'payment-gateway';

/**
 * The payment gateway (simulators/payment-gateway) behind retries, breaker and bulkhead. A decline
 * is a result, not an error: the saga turns it into PaymentFailed at once, while a thrown
 * ExternalCallError (retriable) means "we could not find out", for the runtime to retry later.
 */
export function createPaymentGatewayClient(options: ClientOptions): PaymentGatewayClient {
  const service = options.service ?? PAYMENT_GATEWAY;
  const http = createResilientHttpClient({ ...options, service });

  const declined = (reply: HttpReply): { outcome: 'declined'; value: Declined } | undefined => {
    if (reply.status !== 402) return undefined;
    const reason = (reply.body as { reason?: unknown } | undefined)?.reason;
    return {
      outcome: 'declined',
      value: { status: 'declined', reason: typeof reason === 'string' ? reason : 'declined' },
    };
  };

  return {
    http,
    close: http.close,
    async authorize(request, { idempotencyKey, signal }) {
      const operation = 'authorize';
      return http.call<AuthorizeResult>(
        {
          operation,
          method: 'POST',
          path: '/payments/authorize',
          body: request,
          idempotencyKey: requireKey(idempotencyKey),
          signal,
        },
        (reply) => {
          const decline = declined(reply);
          if (decline) return decline;
          if (reply.status !== 200 && reply.status !== 201) throw unexpectedReply(service, operation, reply);
          const fields = replyFields(service, operation, reply);
          return {
            outcome: 'success',
            value: {
              status: 'authorized',
              authorizationId: fields.string('authorizationId'),
              amount: fields.number('amount'),
              replayed: fields.replayed,
            },
          };
        },
      );
    },
    async capture(request, { idempotencyKey, signal }) {
      const operation = 'capture';
      return http.call<CaptureResult>(
        {
          operation,
          method: 'POST',
          path: '/payments/capture',
          body: request,
          idempotencyKey: requireKey(idempotencyKey),
          signal,
        },
        (reply) => {
          const decline = declined(reply);
          if (decline) return decline;
          if (reply.status !== 200 && reply.status !== 201) throw unexpectedReply(service, operation, reply);
          const fields = replyFields(service, operation, reply);
          return {
            outcome: 'success',
            value: {
              status: 'captured',
              captureId: fields.string('captureId'),
              amount: fields.number('amount'),
              currency: fields.optionalString('currency') ?? request.currency,
              replayed: fields.replayed,
            },
          };
        },
      );
    },
    async refund(request, { idempotencyKey, signal }) {
      const operation = 'refund';
      return http.call<RefundResult>(
        {
          operation,
          method: 'POST',
          path: '/payments/refund',
          body: request,
          idempotencyKey: requireKey(idempotencyKey),
          signal,
        },
        (reply) => {
          if (reply.status !== 200 && reply.status !== 201) throw unexpectedReply(service, operation, reply);
          const fields = replyFields(service, operation, reply);
          return {
            outcome: 'success',
            value: {
              status: 'refunded',
              refundId: fields.string('refundId'),
              amount: fields.number('amount'),
              replayed: fields.replayed,
            },
          };
        },
      );
    },
  };
}
