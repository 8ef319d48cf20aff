import type { PaymentCommand } from './commands';
import type { PaymentState } from './state';

/**
 * Whether the runtime must call the payment gateway before `decide`, given the current state.
 * A capture is only ever attempted on a fresh payment (never after a void, decline, failure or
 * refund), and a refund only for money actually captured. When this says false the runtime
 * must NOT call the gateway; `decide` then ignores any outcome.
 */
export const effectNeeded = (command: PaymentCommand, state: PaymentState): boolean => {
  switch (command.type) {
    case 'CapturePayment':
      return state.status === 'None';
    case 'RefundPayment':
      return state.status === 'Captured';
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

/**
 * The idempotency key for the gateway call: per (order, operation, attempt), never per command
 * id, so a capture re-sent under a new command id still charges at most once, and a redelivered
 * command repeats the same call. A refund retried after PaymentRefundFailed is a new attempt
 * (gateways store failed results under their key too).
 */
export const gatewayIdempotencyKey = (command: PaymentCommand, state: PaymentState): string =>
  command.type === 'CapturePayment'
    ? `payment:${command.orderId}:capture`
    : `payment:${command.orderId}:refund:${state.status === 'Captured' ? state.refundFailures + 1 : 1}`;
