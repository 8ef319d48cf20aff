import { keyedPost, refusalOn } from './keyed-post';
import type { CallOptions, ClientOptions } from './client-options';
import { createResilientHttpClient, type ResilientHttpClient } from './resilient-http';

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
  /**
   * Reverses whatever the order was charged, and refuses any capture after it: the compensation
   * for a capture whose answer never came back, which may still land.
   */
  cancel(request: { orderId: string }, options: CallOptions): Promise<RefundResult>;
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

  // A decline is a result (402 with a reason); the same check serves authorize and capture.
  const declined = refusalOn<Declined>(
    402,
    'declined',
    (reason) => ({ status: 'declined', reason }),
    'declined',
  );

  const moneyBack = (operation: string, path: string, body: object, call: CallOptions) =>
    keyedPost<RefundResult>(
      http,
      service,
      {
        operation,
        path,
        body,
        success: (fields) => ({
          status: 'refunded',
          refundId: fields.string('refundId'),
          amount: fields.number('amount'),
          replayed: fields.replayed,
        }),
      },
      call,
    );
  return {
    http,
    close: http.close,
    authorize: (request, options) =>
      keyedPost<AuthorizeResult>(
        http,
        service,
        {
          operation: 'authorize',
          path: '/payments/authorize',
          body: request,
          refusal: declined,
          success: (fields) => ({
            status: 'authorized',
            authorizationId: fields.string('authorizationId'),
            amount: fields.number('amount'),
            replayed: fields.replayed,
          }),
        },
        options,
      ),
    capture: (request, options) =>
      keyedPost<CaptureResult>(
        http,
        service,
        {
          operation: 'capture',
          path: '/payments/capture',
          body: request,
          refusal: declined,
          success: (fields) => ({
            status: 'captured',
            captureId: fields.string('captureId'),
            amount: fields.number('amount'),
            currency: fields.optionalString('currency') ?? request.currency,
            replayed: fields.replayed,
          }),
        },
        options,
      ),
    // Both give money back; a cancel also refuses any capture after it.
    cancel: (request, options) => moneyBack('cancel', '/payments/cancel', request, options),
    refund: (request, options) => moneyBack('refund', '/payments/refund', request, options),
  };
}
