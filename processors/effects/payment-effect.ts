import type { PaymentCommand } from '../../domain/payment/commands';
import { effectNeeded, gatewayIdempotencyKey } from '../../domain/payment/effect-needed';
import type { PaymentState } from '../../domain/payment/state';
import type { PaymentGatewayClient } from '../../lib/clients/payment-gateway-client';

/**
 * Calls the payment gateway for a payment command and records the answer in the command.
 * The key is per order and operation, so a redelivery or a re-sent command meets the stored
 * result instead of charging again. A call that still fails after the client's retries is an
 * outcome too (`failed`): for a capture the saga cancels and compensates; for a refund the
 * payment stays Captured (PaymentRefundFailed) and the compensation retrier
 * (processors/saga/compensation-retrier.ts) sends it again later under the same key, until it
 * succeeds or is parked for an operator. Retrying there rather than by failing the command
 * batch keeps one order's gateway trouble from holding up every payment of its partition. A
 * capture that `failed` may still have charged (a host that held the request serves it when it
 * wakes), so the refund of a Failed payment cancels the order at the gateway: it reverses whatever
 * was charged and refuses a capture that lands later. A reply lost after a charge or a refund is
 * repaired by the next retry, which meets the stored success.
 */
export const paymentEffect =
  (gateway: PaymentGatewayClient) =>
  async (command: PaymentCommand, state: PaymentState): Promise<PaymentCommand> => {
    if (!effectNeeded(command, state)) return command;
    const idempotencyKey = gatewayIdempotencyKey(command, state);
    try {
      if (command.type === 'CapturePayment') {
        const result = await gateway.capture(
          { orderId: command.orderId, amount: command.amount, currency: command.currency },
          { idempotencyKey },
        );
        return {
          ...command,
          outcome:
            result.status === 'captured'
              ? { status: 'captured', gatewayRef: result.captureId }
              : { status: 'declined', reason: result.reason },
        };
      }
      if (state.status === 'Failed') {
        const reversed = await gateway.cancel({ orderId: command.orderId }, { idempotencyKey });
        return { ...command, outcome: { status: 'refunded', gatewayRef: reversed.refundId } };
      }
      const captured = state.status === 'Captured' ? state : undefined;
      const result = await gateway.refund(
        {
          orderId: command.orderId,
          amount: captured?.amount ?? 0,
          ...(captured?.gatewayRef ? { captureId: captured.gatewayRef } : {}),
        },
        { idempotencyKey },
      );
      return { ...command, outcome: { status: 'refunded', gatewayRef: result.refundId } };
    } catch (err) {
      return { ...command, outcome: { status: 'failed', reason: (err as Error).message } } as PaymentCommand;
    }
  };
