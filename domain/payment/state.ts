import type { MinorUnits } from '../order/money';

/**
 * None → Captured → Refunded is the money path; Declined, Failed and Voided end a payment that
 * never charged anything. Every ending is final: a later capture is answered with no event.
 */
export type PaymentState =
  | { status: 'None' }
  | {
      status: 'Captured';
      amount: MinorUnits;
      currency: string;
      gatewayRef: string;
      /** Failed refund attempts so far; a RefundPayment retries while the payment stays Captured. */
      refundFailures: number;
    }
  | { status: 'Declined' | 'Failed' | 'Voided'; reason: string }
  | { status: 'Refunded'; amount: MinorUnits; currency: string; gatewayRef: string; refundRef: string };

export type PaymentStatus = PaymentState['status'];

export const initialPaymentState = (): PaymentState => ({ status: 'None' });
