import type { MinorUnits } from '../order/money';

/** Domain payload only (the orderId is the aggregate id, in the envelope); occurredAt is meta.issuedAt. */
interface PaymentEventOf<Type extends string, Data> {
  type: Type;
  data: Data & { occurredAt: string };
}

/*
 * Money conservation is checkable from these events alone: Σ PaymentCaptured.amount −
 * Σ PaymentRefunded.amount is what the customers of Completed orders paid.
 */
export type PaymentCaptured = PaymentEventOf<
  'PaymentCaptured',
  { amount: MinorUnits; currency: string; gatewayRef: string }
>;
/** The gateway (issuer) said no. */
export type PaymentDeclined = PaymentEventOf<'PaymentDeclined', { reason: string }>;
/** The gateway could not be reached or erred, after the runtime's retries. */
export type PaymentFailed = PaymentEventOf<'PaymentFailed', { reason: string }>;
/** A refund arrived before any capture: nothing was charged, and no capture will be. */
export type PaymentVoided = PaymentEventOf<'PaymentVoided', { reason: string }>;
export type PaymentRefunded = PaymentEventOf<'PaymentRefunded', { amount: MinorUnits; gatewayRef: string }>;
/** The refund call failed; the payment stays captured and a later RefundPayment may retry. */
export type PaymentRefundFailed = PaymentEventOf<'PaymentRefundFailed', { reason: string }>;

export type PaymentEvent =
  PaymentCaptured | PaymentDeclined | PaymentFailed | PaymentVoided | PaymentRefunded | PaymentRefundFailed;

export type PaymentEventType = PaymentEvent['type'];

export const PAYMENT_EVENT_TYPES = [
  'PaymentCaptured',
  'PaymentDeclined',
  'PaymentFailed',
  'PaymentVoided',
  'PaymentRefunded',
  'PaymentRefundFailed',
] as const satisfies readonly PaymentEventType[];

const _everyEventTypeListed: [Exclude<PaymentEventType, (typeof PAYMENT_EVENT_TYPES)[number]>] extends [never]
  ? true
  : never = true;
