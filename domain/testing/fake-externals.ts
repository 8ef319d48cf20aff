import type { SendOutcome } from '../notification/commands';
import type { CaptureOutcome, RefundOutcome } from '../payment/commands';
import type { CreateShipmentOutcome, VoidShipmentOutcome } from '../shipment/commands';
import type { Externals } from './saga-world';

/** Which answer each external party gives, by order (or notification) id. Defaults: all succeed. */
export interface ExternalPolicy {
  capture?(orderId: string): 'captured' | 'declined' | 'failed';
  refund?(orderId: string): 'refunded' | 'failed';
  shipment?(orderId: string): 'created' | 'failed';
  /** Asked on every void attempt that reaches the carrier, so it can fail the first few. */
  void?(orderId: string): 'voided' | 'failed';
  send?(notificationId: string): 'sent' | 'failed';
}

/**
 * Payment gateway, carrier and notification provider with idempotency keys, as the simulators
 * behave: a repeated key returns the stored answer and has no second effect. The ledgers are
 * the outside world's view of money, used to prove nothing was charged twice or kept.
 */
export interface FakeExternals extends Externals {
  /** Money actually taken, by idempotency key. */
  readonly charges: Map<string, { orderId: string; amount: number }>;
  /** Money actually paid back, by idempotency key. */
  readonly refunds: Map<string, { orderId: string; amount: number }>;
  readonly labels: Map<string, string>;
  /** Labels voided, by idempotency key: the order id. */
  readonly voids: Map<string, string>;
  readonly messages: Map<string, string>;
}

export const createFakeExternals = (policy: ExternalPolicy = {}): FakeExternals => {
  const answers = new Map<string, unknown>();
  const charges = new Map<string, { orderId: string; amount: number }>();
  const refunds = new Map<string, { orderId: string; amount: number }>();
  const labels = new Map<string, string>();
  const voids = new Map<string, string>();
  const messages = new Map<string, string>();
  // Like the simulators: a final answer is stored under its key; a failure (an outage) is not,
  // so a retry under the same key may get through.
  const once = <T extends { status: string }>(key: string, call: () => T): T => {
    if (answers.has(key)) return answers.get(key) as T;
    const answer = call();
    if (answer.status !== 'failed') answers.set(key, answer);
    return answer;
  };
  const chargedFor = (orderId: string): number =>
    [...charges.values()].filter((c) => c.orderId === orderId).reduce((sum, c) => sum + c.amount, 0) -
    [...refunds.values()].filter((r) => r.orderId === orderId).reduce((sum, r) => sum + r.amount, 0);

  return {
    charges,
    refunds,
    labels,
    voids,
    messages,
    capture: (command, key) =>
      once<CaptureOutcome>(key, () => {
        const answer = policy.capture?.(command.orderId) ?? 'captured';
        if (answer === 'captured') {
          charges.set(key, { orderId: command.orderId, amount: command.amount });
          return { status: 'captured', gatewayRef: `gw-${command.orderId}` };
        }
        return { status: answer, reason: answer === 'declined' ? 'card declined' : 'gateway timeout' };
      }),
    refund: (command, key) =>
      once<RefundOutcome>(key, () => {
        if ((policy.refund?.(command.orderId) ?? 'refunded') === 'failed') {
          return { status: 'failed', reason: 'gateway timeout' };
        }
        refunds.set(key, { orderId: command.orderId, amount: chargedFor(command.orderId) });
        return { status: 'refunded', gatewayRef: `gw-refund-${command.orderId}` };
      }),
    createShipment: (command, key) =>
      once<CreateShipmentOutcome>(key, () => {
        if ((policy.shipment?.(command.orderId) ?? 'created') === 'failed') {
          return { status: 'failed', reason: 'no carrier serves the address' };
        }
        labels.set(key, command.orderId);
        return {
          status: 'created',
          shipmentId: `ship-${command.orderId}`,
          carrier: 'DHL',
          trackingNumber: `TRK-${command.orderId}`,
          labelUrl: `https://labels.example/${command.orderId}.pdf`,
        };
      }),
    voidShipment: (command, key) =>
      once<VoidShipmentOutcome>(key, () => {
        if ((policy.void?.(command.orderId) ?? 'voided') === 'failed') {
          return { status: 'failed', reason: 'carrier unavailable' };
        }
        voids.set(key, command.orderId);
        return { status: 'voided' };
      }),
    send: (command, key) =>
      once<SendOutcome>(key, () => {
        if ((policy.send?.(command.notificationId) ?? 'sent') === 'failed') {
          return { status: 'failed', reason: 'provider unavailable', attempts: 3 };
        }
        messages.set(key, command.notificationId);
        return { status: 'sent', providerRef: `msg-${messages.size}`, attempts: 1 };
      }),
  };
};
