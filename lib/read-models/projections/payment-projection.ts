import type { PaymentEvent } from '../../../domain/payment/events';
import type { PaymentView } from '../views';
import { alreadyApplied, unknownEvent, type EventEnvelope } from './envelope';

const blank = (orderId: string): Omit<PaymentView, 'version' | 'updatedAt' | 'status'> => ({
  _id: orderId,
  orderId,
  amount: 0,
  refunded: 0,
  currency: '',
});

/** The payment of one order (the payment aggregate is keyed by orderId). */
export const evolvePaymentView = (
  doc: PaymentView | undefined,
  event: PaymentEvent,
  envelope: EventEnvelope,
): PaymentView | undefined => {
  if (alreadyApplied(doc, envelope)) return doc;
  const base = {
    ...(doc ?? blank(envelope.aggregateId)),
    version: envelope.version,
    updatedAt: event.data.occurredAt,
  };
  switch (event.type) {
    case 'PaymentCaptured': {
      const { amount, currency, gatewayRef } = event.data;
      return { ...base, status: 'Captured', amount, currency, gatewayRef };
    }
    case 'PaymentDeclined':
      return { ...base, status: 'Declined', reason: event.data.reason };
    case 'PaymentFailed':
      return { ...base, status: 'Failed', reason: event.data.reason };
    case 'PaymentVoided':
      return { ...base, status: 'Voided', reason: event.data.reason };
    case 'PaymentRefunded':
      return { ...base, status: 'Refunded', refunded: base.refunded + event.data.amount };
    case 'PaymentRefundFailed':
      // The money stays captured; the reason says why the refund has not happened yet.
      return { ...base, status: doc?.status ?? 'Captured', reason: event.data.reason };
    default:
      throw unknownEvent('payment', event);
  }
};
