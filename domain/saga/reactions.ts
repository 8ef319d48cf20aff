import type { InventoryEvent } from '../inventory/events';
import {
  notificationFor,
  notificationIdOf,
  OPERATOR_CHANNEL,
  OPERATORS,
  stockReferenceOf,
} from '../notification/templates';
import { channelsAt, DEFAULT_PREFERENCES, type NotificationPreferences } from '../preferences/preferences';
import type { CommandMeta } from '../order/commands';
import type { OrderEvent } from '../order/events';
import type { OrderLine } from '../order/money';
import type { PaymentEvent } from '../payment/events';
import type { ShipmentEvent } from '../shipment/events';
import type { CommandsOf, CommandToSend, ReactionContext, SagaAggregate, SagaInput } from './types';

type WithoutMeta<C> = C extends unknown ? Omit<C, 'meta'> : never;

/** A command before react numbers it and gives it meta. */
type Draft = {
  [A in SagaAggregate]: { aggregate: A; aggregateId: string; command: WithoutMeta<CommandsOf[A]> };
}[SagaAggregate];

const to = <A extends SagaAggregate>(
  aggregate: A,
  aggregateId: string,
  command: WithoutMeta<CommandsOf[A]>,
): Draft => ({ aggregate, aggregateId, command }) as Draft;

const releaseAll = (orderId: string, items: readonly OrderLine[]): Draft[] =>
  items.map(({ sku }) => to('inventory', sku, { type: 'ReleaseStock', sku, orderId }));

/**
 * One SendNotification per channel the customer chose, less SMS and push in their quiet hours
 * (at the saga's time, `issuedAt`). Events written before customerId existed decode with '' and
 * notify no one.
 */
const notify = (
  orderId: string,
  event: OrderEvent,
  preferencesOf: (customerId: string) => NotificationPreferences,
  at: string,
): Draft[] => {
  const message = notificationFor(orderId, event);
  const customerId = 'customerId' in event.data ? event.data.customerId : '';
  if (message === undefined || customerId === '') return [];
  const preferences = preferencesOf(customerId);
  return channelsAt(preferences, at).map((channel) => {
    const notificationId = notificationIdOf(orderId, event.type, channel);
    return to('notifications', notificationId, {
      type: 'SendNotification',
      notificationId,
      orderId,
      customerId,
      channel,
      template: message.template,
      params: message.params,
      locale: preferences.locale,
    });
  });
};

/** The order's own events drive inventory, payment and shipment (and the customer's inbox). */
const onOrderEvent = (orderId: string, event: OrderEvent, context: ReactionContext): Draft[] => {
  const notifications = notify(
    orderId,
    event,
    context.preferencesOf ?? (() => DEFAULT_PREFERENCES),
    context.issuedAt,
  );
  switch (event.type) {
    case 'OrderPlaced':
      return [
        ...event.data.items.map(({ sku, quantity }) =>
          to('inventory', sku, { type: 'ReserveStock', sku, orderId, quantity }),
        ),
        ...notifications,
      ];
    case 'OrderInventoryReserved': {
      const { totalAmount: amount, currency } = event.data;
      // '' only in records written before v2, which lack the amount to charge.
      if (currency === '') return [];
      return [to('payments', orderId, { type: 'CapturePayment', orderId, amount, currency })];
    }
    case 'OrderPaid': {
      const items = event.data.items.map(({ sku, quantity }) => ({ sku, quantity }));
      const shipment =
        items.length === 0 ? [] : [to('shipments', orderId, { type: 'CreateShipment', orderId, items })];
      return [...shipment, ...notifications];
    }
    case 'OrderShipped':
      // Commit on the order's OrderShipped, not on ShipmentCreated: an order is Shipped or
      // Cancelled, never both, so a commit can never race the release of a cancelled order.
      return [
        ...event.data.items.map(({ sku }) => to('inventory', sku, { type: 'CommitStock', sku, orderId })),
        ...notifications,
      ];
    case 'OrderCancelled': {
      const { cancelledFromStatus: from, items, reason } = event.data;
      // A Draft order never asked for stock; anything later may hold (or be about to hold) some.
      const releases = from === 'Draft' ? [] : releaseAll(orderId, items);
      // Payment is requested on OrderInventoryReserved, so only an order cancelled after it can
      // have been (or be about to be) charged; the refund voids a capture still in flight.
      const refund =
        from === 'InventoryReserved' || from === 'PaymentCaptured'
          ? [
              to('payments', orderId, {
                type: 'RefundPayment',
                orderId,
                reason: `order cancelled: ${reason}`,
              }),
            ]
          : [];
      // A shipment is requested on OrderPaid, so only an order cancelled after it can have a
      // label (or one about to be bought): the void closes the shipment either way.
      const voidLabel =
        from === 'PaymentCaptured'
          ? [
              to('shipments', orderId, {
                type: 'VoidShipment',
                orderId,
                reason: `order cancelled: ${reason}`,
              }),
            ]
          : [];
      return [...releases, ...refund, ...voidLabel, ...notifications];
    }
    case 'OrderCompleted':
      return notifications;
    case 'OrderCreated':
    case 'OrderItemAdded':
    case 'OrderItemRemoved':
    case 'OrderItemReserved':
      return [];
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
};

/**
 * One alert per crossing below the threshold: the event's version makes the id, so a redelivered
 * LowStockDetected is the same notification and a later crossing is a new one.
 */
const alertOperators = (sku: string, version: number, available: number, threshold: number): Draft => {
  const orderId = stockReferenceOf(sku);
  const notificationId = notificationIdOf(orderId, `LowStockDetected-v${version}`, OPERATOR_CHANNEL);
  return to('notifications', notificationId, {
    type: 'SendNotification',
    notificationId,
    orderId,
    customerId: OPERATORS,
    channel: OPERATOR_CHANNEL,
    template: 'low-stock',
    params: { sku, available: String(available), threshold: String(threshold) },
  });
};

const onInventoryEvent = (sku: string, event: InventoryEvent, version: number): Draft[] => {
  switch (event.type) {
    case 'StockReserved':
    case 'StockReservationRejected': {
      const { orderId, quantity } = event.data;
      const reserved = event.type === 'StockReserved';
      return [to('orders', orderId, { type: 'RecordStockReservation', orderId, sku, quantity, reserved })];
    }
    case 'LowStockDetected':
      return [alertOperators(sku, version, event.data.available, event.data.threshold)];
    case 'ProductRegistered':
    case 'StockReplenished':
    case 'StockReleased':
    case 'StockCommitted':
    case 'ProductPriceChanged':
    case 'ProductRenamed':
    case 'ProductRetired':
      return [];
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
};

const onPaymentEvent = (orderId: string, event: PaymentEvent): Draft[] => {
  switch (event.type) {
    case 'PaymentCaptured': {
      const { gatewayRef: paymentId, amount } = event.data;
      return [to('orders', orderId, { type: 'CapturePayment', orderId, paymentId, amount })];
    }
    case 'PaymentDeclined':
    case 'PaymentFailed': {
      const what = event.type === 'PaymentDeclined' ? 'declined' : 'failed';
      return [
        to('orders', orderId, {
          type: 'CancelOrder',
          orderId,
          reason: `payment ${what}: ${event.data.reason}`,
          reasonCode: 'PAYMENT_FAILED',
        }),
      ];
    }
    case 'PaymentVoided':
    case 'PaymentRefunded':
    case 'PaymentRefundFailed':
      // A failed refund is retried by the compensation retrier (processors/saga), not here.
      return [];
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
};

const onShipmentEvent = (orderId: string, event: ShipmentEvent): Draft[] => {
  switch (event.type) {
    case 'ShipmentCreated': {
      const { shipmentId, carrier, trackingNumber } = event.data;
      return [to('orders', orderId, { type: 'ShipOrder', orderId, shipmentId, carrier, trackingNumber })];
    }
    case 'ShipmentFailed':
      return [
        to('orders', orderId, {
          type: 'CancelOrder',
          orderId,
          reason: `shipment failed: ${event.data.reason}`,
          reasonCode: 'SHIPMENT_FAILED',
        }),
      ];
    case 'ShipmentDelivered':
      return [to('orders', orderId, { type: 'CompleteOrder', orderId })];
    case 'ShipmentInTransit':
    case 'ShipmentVoided':
    case 'ShipmentVoidFailed':
      // A failed void is retried by the compensation retrier (processors/saga), not here.
      return [];
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
};

const drafts = (input: SagaInput, context: ReactionContext): Draft[] => {
  switch (input.aggregate) {
    case 'orders':
      return onOrderEvent(input.aggregateId, input.event, context);
    case 'inventory':
      return onInventoryEvent(input.aggregateId, input.event, input.version);
    case 'payments':
      return onPaymentEvent(input.aggregateId, input.event);
    case 'shipments':
      return onShipmentEvent(input.aggregateId, input.event);
    case 'notifications':
      return [];
    default: {
      const unhandled: never = input;
      return unhandled;
    }
  }
};

/** The id of the i-th command caused by an event: the same event, redelivered, yields the same ids. */
export const sagaCommandId = (
  input: Pick<SagaInput, 'aggregate' | 'aggregateId' | 'version'>,
  index: number,
): string => `${input.aggregate}:${input.aggregateId}:${input.version}:${index}`;

/**
 * The choreography of DESIGN §5 as one pure function: an event in, the commands it causes out.
 * Deterministic (ids from the event's stream position, time from the context), so the runtime
 * can re-run it on redelivery and the command processors drop the duplicates by command id.
 */
export const react = (input: SagaInput, context: ReactionContext): CommandToSend[] =>
  drafts(input, context).map((draft, index) => {
    const meta: CommandMeta = {
      commandId: sagaCommandId(input, index),
      correlationId: context.correlationId,
      causationId: input.eventId ?? `${input.aggregateId}:${input.version}`,
      issuedAt: context.issuedAt,
    };
    return { ...draft, command: { ...draft.command, meta } } as CommandToSend;
  });
