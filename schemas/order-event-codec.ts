import { ValidationError } from '../lib/errors';
import { isCancellationReasonCode, type OrderEvent, type OrderEventType } from '../domain/order/events';
import type { OrderLine } from '../domain/order/money';
import { isCancellableStatus } from '../domain/order/state';
import type { AvroData } from './upcasters';

/*
 * Event `data` and the latest Avro record have the same field names. The codec exists because
 * the shapes still differ at run time: avsc decodes records into generated classes and enums
 * into plain strings, and a record read off a topic must be narrowed before the domain trusts it.
 * No event has an optional field today; one added later must become ["null", T] with default null
 * here, since Avro has no undefined. Fields added in later versions (customerId, currency, items
 * on the saga's events) have non-null defaults, so they are always present after resolution.
 */

const fail = (type: string, field: string, message: string): never => {
  throw new ValidationError(`${type} record: ${field} ${message}`, [{ field, message }]);
};

const str = (type: string, record: AvroData, field: string): string => {
  const value = record[field];
  return typeof value === 'string' ? value : fail(type, field, 'must be a string');
};

const int = (type: string, record: AvroData, field: string): number => {
  const value = record[field];
  return Number.isSafeInteger(value) ? (value as number) : fail(type, field, 'must be an integer');
};

const list = <T>(type: string, record: AvroData, field: string, element: (e: AvroData) => T): T[] => {
  const value = record[field];
  return Array.isArray(value)
    ? value.map((e: AvroData) => element(e))
    : fail(type, field, 'must be an array');
};

const line = (type: string) => (e: AvroData) => ({
  sku: str(type, e, 'sku'),
  quantity: int(type, e, 'quantity'),
  unitPrice: int(type, e, 'unitPrice'),
});

const lines = (type: string, record: AvroData): OrderLine[] =>
  list<OrderLine>(type, record, 'items', line(type));

/** The record to encode with the latest schema of `event.type`. */
export const toAvroRecord = (event: OrderEvent): AvroData =>
  // A copy, so the encoder never shares nested arrays with the domain event.
  structuredClone(event.data) as unknown as AvroData;

/** Narrows a decoded (and upcast) latest-schema record into a plain OrderEvent. */
export const fromAvroRecord = (type: OrderEventType, record: AvroData): OrderEvent => {
  const occurredAt = str(type, record, 'occurredAt');
  switch (type) {
    case 'OrderCreated':
      return {
        type,
        data: {
          customerId: str(type, record, 'customerId'),
          currency: str(type, record, 'currency'),
          items: lines(type, record),
          salesChannel: str(type, record, 'salesChannel'),
          occurredAt,
        },
      };
    case 'OrderItemAdded':
      return { type, data: { ...line(type)(record), occurredAt } };
    case 'OrderItemRemoved':
      return { type, data: { sku: str(type, record, 'sku'), occurredAt } };
    case 'OrderPlaced':
      return {
        type,
        data: {
          totalAmount: int(type, record, 'totalAmount'),
          customerId: str(type, record, 'customerId'),
          currency: str(type, record, 'currency'),
          items: lines(type, record),
          occurredAt,
        },
      };
    case 'OrderItemReserved':
      return {
        type,
        data: { sku: str(type, record, 'sku'), quantity: int(type, record, 'quantity'), occurredAt },
      };
    case 'OrderInventoryReserved':
      return {
        type,
        data: {
          reservations: list(type, record, 'reservations', (e) => ({
            sku: str(type, e, 'sku'),
            quantity: int(type, e, 'quantity'),
          })),
          totalAmount: int(type, record, 'totalAmount'),
          currency: str(type, record, 'currency'),
          customerId: str(type, record, 'customerId'),
          occurredAt,
        },
      };
    case 'OrderPaid':
      return {
        type,
        data: {
          paymentId: str(type, record, 'paymentId'),
          amount: int(type, record, 'amount'),
          customerId: str(type, record, 'customerId'),
          currency: str(type, record, 'currency'),
          items: lines(type, record),
          occurredAt,
        },
      };
    case 'OrderShipped':
      return {
        type,
        data: {
          shipmentId: str(type, record, 'shipmentId'),
          carrier: str(type, record, 'carrier'),
          trackingNumber: str(type, record, 'trackingNumber'),
          customerId: str(type, record, 'customerId'),
          items: lines(type, record),
          occurredAt,
        },
      };
    case 'OrderCompleted':
      return { type, data: { customerId: str(type, record, 'customerId'), occurredAt } };
    case 'OrderCancelled': {
      const reasonCode = record.reasonCode;
      const cancelledFromStatus = str(type, record, 'cancelledFromStatus');
      return {
        type,
        data: {
          reason: str(type, record, 'reason'),
          reasonCode: isCancellationReasonCode(reasonCode)
            ? reasonCode
            : fail(type, 'reasonCode', 'is not a known code'),
          cancelledFromStatus: isCancellableStatus(cancelledFromStatus)
            ? cancelledFromStatus
            : fail(type, 'cancelledFromStatus', 'is not a status an order can be cancelled from'),
          customerId: str(type, record, 'customerId'),
          items: lines(type, record),
          occurredAt,
        },
      };
    }
    default: {
      const unknown: never = type;
      return fail(String(unknown), 'type', 'is not an order event type');
    }
  }
};
