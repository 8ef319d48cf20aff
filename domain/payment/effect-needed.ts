import type { PaymentCommand } from './commands';
import type { PaymentState } from './state';

/**
 * Whether the runtime must call the payment gateway before `decide`, given the current state.
 * A capture is only ever attempted on a fresh payment (never after a void, decline, failure or
 * refund), and a refund for money captured, or possibly captured: a capture that Failed has no
 * answer, and a request a dead host held may still land, so its refund reverses the order at the
 * gateway whatever became of it. When this says false the runtime
 * must NOT call the gateway; `decide` then ignores any outcome.
 */
export const effectNeeded = (command: PaymentCommand, state: PaymentState): boolean => {
  switch (command.type) {
    case 'CapturePayment':
      return state.status === 'None';
    case 'RefundPayment':
      return state.status === 'Captured' || state.status === 'Failed';
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

/**
 * The idempotency key for the gateway call: per (order, operation), never per command id or
 * attempt, so a capture re-sent under a new command id still charges at most once, and every
 * retry of a refund (a redelivery, a compensation retry, an operator's re-drive) is the same
 * request to the gateway: money moves back once even when an earlier attempt's reply was lost.
 * The gateway applies an outage before its idempotency lookup and stores only final answers,
 * so a failed attempt does not pin the key to the failure.
 */
export const gatewayIdempotencyKey = (command: PaymentCommand, _state: PaymentState): string =>
  command.type === 'CapturePayment'
    ? `payment:${command.orderId}:capture`
    : `payment:${command.orderId}:refund`;
