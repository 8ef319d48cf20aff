import type { OrderEvent } from '../../../domain/order/events';
import { orderTotal, type OrderLine } from '../../../domain/order/money';
import { STATUS_AFTER } from '../../../domain/order/state';
import type { OrderView } from '../views';
import { alreadyApplied, unknownEvent, type EventEnvelope } from './envelope';

const addLine = (items: readonly OrderLine[], line: OrderLine): OrderLine[] =>
  items.some((item) => item.sku === line.sku)
    ? items.map((item) =>
        item.sku === line.sku ? { ...item, quantity: item.quantity + line.quantity } : item,
      )
    : [...items, { sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice }];

const withItems = (doc: OrderView, items: OrderLine[]): OrderView => ({
  ...doc,
  items,
  totalAmount: orderTotal(items),
});

/**
 * The order view: the aggregate's state as the query API shows it, plus a timeline of every
 * event. Pure; the runner stores what it returns. An order whose OrderCreated is missing (erased
 * by a tombstone) has no view: its later events return `undefined` rather than invent one.
 */
export const evolveOrderView = (
  doc: OrderView | undefined,
  event: OrderEvent,
  envelope: EventEnvelope,
): OrderView | undefined => {
  if (alreadyApplied(doc, envelope)) return doc;
  const at = event.data.occurredAt;
  if (event.type === 'OrderCreated') {
    const { customerId, currency, items } = event.data;
    const lines = items.reduce<OrderLine[]>(addLine, []);
    return {
      _id: envelope.aggregateId,
      orderId: envelope.aggregateId,
      customerId,
      status: 'Draft',
      items: lines,
      totalAmount: orderTotal(lines),
      currency,
      version: envelope.version,
      createdAt: at,
      updatedAt: at,
      timeline: [{ type: event.type, version: envelope.version, at }],
      reservedSkus: [],
    };
  }
  if (doc === undefined) return undefined;
  const base: OrderView = {
    ...doc,
    // The status each event moves the order to is the aggregate's own table (domain/order/state).
    status: STATUS_AFTER[event.type] ?? doc.status,
    version: envelope.version,
    updatedAt: at,
    timeline: [...doc.timeline, { type: event.type, version: envelope.version, at }],
  };
  switch (event.type) {
    case 'OrderItemAdded':
      return withItems(base, addLine(base.items, event.data));
    case 'OrderItemRemoved':
      return withItems(
        base,
        base.items.filter((item) => item.sku !== event.data.sku),
      );
    case 'OrderPlaced':
      // The event's total is what the customer was asked to pay; it wins over our own sum.
      return { ...base, totalAmount: event.data.totalAmount };
    case 'OrderItemReserved':
      return base.reservedSkus.includes(event.data.sku)
        ? base
        : { ...base, reservedSkus: [...base.reservedSkus, event.data.sku] };
    case 'OrderInventoryReserved':
      return {
        ...base,
        reservedSkus: [...new Set([...base.reservedSkus, ...event.data.reservations.map((r) => r.sku)])],
      };
    case 'OrderPaid':
      return {
        ...base,
        payment: { paymentId: event.data.paymentId, amount: event.data.amount },
      };
    case 'OrderShipped': {
      const { shipmentId, carrier, trackingNumber } = event.data;
      return { ...base, shipment: { shipmentId, carrier, trackingNumber } };
    }
    case 'OrderCompleted':
      return base;
    case 'OrderCancelled':
      return {
        ...base,
        cancellationReason: event.data.reason,
        cancellationCode: event.data.reasonCode,
      };
    default:
      throw unknownEvent('order', event);
  }
};
