import type { CommandMeta } from '../order/commands';
import type { MinorUnits } from '../order/money';

/** What the payment gateway answered to a capture; the runtime fills it in before `decide`. */
export type CaptureOutcome =
  | { status: 'captured'; gatewayRef: string }
  | { status: 'declined'; reason: string }
  | { status: 'failed'; reason: string };

/** What the payment gateway answered to a refund. */
export type RefundOutcome = { status: 'refunded'; gatewayRef: string } | { status: 'failed'; reason: string };

interface PaymentCommandBase<Type extends string> {
  type: Type;
  /** The aggregate id: one payment per order. */
  orderId: string;
  expectedVersion?: number;
  meta: CommandMeta;
}

export interface CapturePayment extends PaymentCommandBase<'CapturePayment'> {
  amount: MinorUnits;
  currency: string;
  /** Required exactly when `effectNeeded` says the gateway must be called. */
  outcome?: CaptureOutcome;
}

/** Compensation. Before any capture it voids the payment, so a capture still in flight charges nothing. */
export interface RefundPayment extends PaymentCommandBase<'RefundPayment'> {
  reason: string;
  /** Required exactly when `effectNeeded` says the gateway must be called. */
  outcome?: RefundOutcome;
}

export type PaymentCommand = CapturePayment | RefundPayment;

export type PaymentCommandType = PaymentCommand['type'];
