import type {
  CapturePayment,
  CaptureOutcome,
  PaymentCommand,
  RefundOutcome,
  RefundPayment,
} from '../payment/commands';
import type { PaymentEvent } from '../payment/events';
import { ISSUED_AT, ORDER_ID, TOTAL, meta } from './order-fixtures';

const occurredAt = ISSUED_AT;

export const capture = (outcome?: CaptureOutcome, amount = TOTAL): CapturePayment => ({
  type: 'CapturePayment',
  orderId: ORDER_ID,
  amount,
  currency: 'EUR',
  ...(outcome === undefined ? {} : { outcome }),
  meta: meta(),
});

export const refund = (outcome?: RefundOutcome): RefundPayment => ({
  type: 'RefundPayment',
  orderId: ORDER_ID,
  reason: 'order cancelled',
  ...(outcome === undefined ? {} : { outcome }),
  meta: meta(),
});

export const PAYMENT_EVENTS = {
  captured: {
    type: 'PaymentCaptured',
    data: { amount: TOTAL, currency: 'EUR', gatewayRef: 'gw-1', occurredAt },
  },
  declined: { type: 'PaymentDeclined', data: { reason: 'insufficient funds', occurredAt } },
  failed: { type: 'PaymentFailed', data: { reason: 'gateway timeout', occurredAt } },
  voided: { type: 'PaymentVoided', data: { reason: 'order cancelled', occurredAt } },
  refunded: { type: 'PaymentRefunded', data: { amount: TOTAL, gatewayRef: 'gw-r-1', occurredAt } },
  refundFailed: { type: 'PaymentRefundFailed', data: { reason: 'gateway timeout', occurredAt } },
} satisfies Record<string, PaymentEvent>;

export type { PaymentCommand };
