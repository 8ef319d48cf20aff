import { InvalidStateError } from '../../lib/errors';
import type { Decider } from '../decider';
import { invalidField } from '../command-validator';
import type { CapturePayment, PaymentCommand, RefundPayment } from './commands';
import { effectNeeded } from './effect-needed';
import type { PaymentEvent } from './events';
import { evolvePayment } from './evolve';
import { initialPaymentState, type PaymentState } from './state';
import { validatePaymentCommand } from './validate-command';

const outcomeRequired = (command: PaymentCommand): never => {
  throw invalidField('outcome', `is required: the gateway must be called before ${command.type} is decided`);
};

/**
 * A capture on a payment that already ended (captured, voided, declined, failed, refunded)
 * emits nothing: it is a redelivery, or a capture overtaken by the order's cancellation, and
 * neither may charge. Re-capturing a different amount is a bug, so it is refused.
 */
const capture = (command: CapturePayment, state: PaymentState): PaymentEvent[] => {
  const occurredAt = command.meta.issuedAt;
  if (!effectNeeded(command, state)) {
    if (
      state.status === 'Captured' &&
      (state.amount !== command.amount || state.currency !== command.currency)
    ) {
      throw new InvalidStateError(
        `payment of order ${command.orderId} was captured as ${state.amount} ${state.currency}, not ${command.amount} ${command.currency}`,
      );
    }
    return [];
  }
  const outcome = command.outcome ?? outcomeRequired(command);
  switch (outcome.status) {
    case 'captured':
      return [
        {
          type: 'PaymentCaptured',
          data: {
            amount: command.amount,
            currency: command.currency,
            gatewayRef: outcome.gatewayRef,
            occurredAt,
          },
        },
      ];
    case 'declined':
      return [{ type: 'PaymentDeclined', data: { reason: outcome.reason, occurredAt } }];
    case 'failed':
      return [{ type: 'PaymentFailed', data: { reason: outcome.reason, occurredAt } }];
  }
};

/** Compensation: never fails on state. Before a capture it voids; after the money is back it does nothing. */
const refund = (command: RefundPayment, state: PaymentState): PaymentEvent[] => {
  const occurredAt = command.meta.issuedAt;
  if (state.status === 'None')
    return [{ type: 'PaymentVoided', data: { reason: command.reason, occurredAt } }];
  if (state.status === 'Failed') {
    // The capture's answer never came: the gateway reversed the order, whatever it was charged.
    const reversal = command.outcome ?? outcomeRequired(command);
    return reversal.status === 'refunded'
      ? [{ type: 'PaymentVoided', data: { reason: command.reason, occurredAt } }]
      : [{ type: 'PaymentRefundFailed', data: { reason: reversal.reason, occurredAt } }];
  }
  if (state.status !== 'Captured') return [];
  const outcome = command.outcome ?? outcomeRequired(command);
  return outcome.status === 'refunded'
    ? [
        {
          type: 'PaymentRefunded',
          data: { amount: state.amount, gatewayRef: outcome.gatewayRef, occurredAt },
        },
      ]
    : [{ type: 'PaymentRefundFailed', data: { reason: outcome.reason, occurredAt } }];
};

export const decidePayment = (command: PaymentCommand, state: PaymentState): PaymentEvent[] => {
  validatePaymentCommand(command);
  switch (command.type) {
    case 'CapturePayment':
      return capture(command, state);
    case 'RefundPayment':
      return refund(command, state);
    default: {
      const unhandled: never = command;
      throw new InvalidStateError(`unknown payment command ${JSON.stringify(unhandled)}`);
    }
  }
};

export const paymentDecider: Decider<PaymentCommand, PaymentEvent, PaymentState> = {
  decide: decidePayment,
  evolve: evolvePayment,
  initialState: initialPaymentState,
};
