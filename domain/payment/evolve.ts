import { InvalidStateError } from '../../lib/errors';
import type { PaymentEvent } from './events';
import type { PaymentState } from './state';

const corrupt = (event: PaymentEvent, state: PaymentState): InvalidStateError =>
  new InvalidStateError(`corrupt history: ${event.type} on a payment in status ${state.status}`);

/** Refuses only histories that cannot exist (G1): every event has exactly one status it follows. */
export const evolvePayment = (state: PaymentState, event: PaymentEvent): PaymentState => {
  switch (event.type) {
    case 'PaymentCaptured': {
      if (state.status !== 'None') throw corrupt(event, state);
      const { amount, currency, gatewayRef } = event.data;
      return { status: 'Captured', amount, currency, gatewayRef, refundFailures: 0 };
    }
    case 'PaymentDeclined':
    case 'PaymentFailed':
    case 'PaymentVoided': {
      // A Failed payment is voided once the gateway has reversed whatever the capture did.
      const from = event.type === 'PaymentVoided' && state.status === 'Failed' ? 'None' : state.status;
      if (from !== 'None') throw corrupt(event, state);
      const status =
        event.type === 'PaymentDeclined' ? 'Declined' : event.type === 'PaymentFailed' ? 'Failed' : 'Voided';
      return { status, reason: event.data.reason };
    }
    case 'PaymentRefunded': {
      if (state.status !== 'Captured' || state.amount !== event.data.amount) throw corrupt(event, state);
      const { amount, currency, gatewayRef } = state;
      return { status: 'Refunded', amount, currency, gatewayRef, refundRef: event.data.gatewayRef };
    }
    case 'PaymentRefundFailed':
      if (state.status === 'Failed') return state; // the reversal is retried like a refund
      if (state.status !== 'Captured') throw corrupt(event, state);
      return { ...state, refundFailures: state.refundFailures + 1 };
    default: {
      const unhandled: never = event;
      throw new InvalidStateError(
        `unknown payment event ${JSON.stringify((unhandled as { type?: unknown }).type)}`,
      );
    }
  }
};
