import { PAYMENT_EVENT_TYPES, type PaymentEvent } from '../../../domain/payment/events';
import type { PaymentView } from '../views';
import { evolvePaymentView } from './payment-projection';

const at = (n: number): string => `2025-01-01T00:00:0${n}.000Z`;
const fold = (events: PaymentEvent[]): PaymentView | undefined =>
  events.reduce<PaymentView | undefined>(
    (doc, event, i) =>
      evolvePaymentView(doc, event, { aggregateId: 'o-1', version: i + 1, occurredAt: at(i) }),
    undefined,
  );
const captured: PaymentEvent = {
  type: 'PaymentCaptured',
  data: { amount: 2_500, currency: 'EUR', gatewayRef: 'g-1', occurredAt: at(0) },
};

describe('evolvePaymentView', () => {
  it('captures, fails a refund, then refunds', () => {
    const events: PaymentEvent[] = [
      captured,
      { type: 'PaymentRefundFailed', data: { reason: 'gateway down', occurredAt: at(1) } },
      { type: 'PaymentRefunded', data: { amount: 2_500, gatewayRef: 'r-1', occurredAt: at(2) } },
    ];
    expect(fold(events.slice(0, 2))).toMatchObject({
      status: 'Captured',
      reason: 'gateway down',
      refunded: 0,
    });
    expect(fold(events)).toEqual({
      _id: 'o-1',
      orderId: 'o-1',
      status: 'Refunded',
      amount: 2_500,
      refunded: 2_500,
      currency: 'EUR',
      gatewayRef: 'g-1',
      reason: 'gateway down',
      version: 3,
      updatedAt: at(2),
    });
  });

  it.each([
    ['PaymentDeclined', 'Declined'],
    ['PaymentFailed', 'Failed'],
    ['PaymentVoided', 'Voided'],
  ] as const)('%s ends the payment as %s with its reason', (type, status) => {
    expect(fold([{ type, data: { reason: 'because', occurredAt: at(0) } }])).toMatchObject({
      status,
      reason: 'because',
      amount: 0,
      refunded: 0,
      version: 1,
    });
  });

  it('covers every payment event type', () => {
    const seen = [
      'PaymentCaptured',
      'PaymentRefundFailed',
      'PaymentRefunded',
      'PaymentDeclined',
      'PaymentFailed',
      'PaymentVoided',
    ];
    expect(new Set(seen)).toEqual(new Set(PAYMENT_EVENT_TYPES));
  });

  it('returns the same document for a redelivered event', () => {
    const doc = fold([captured]) as PaymentView;
    expect(evolvePaymentView(doc, captured, { aggregateId: 'o-1', version: 1, occurredAt: at(0) })).toBe(doc);
  });
});
