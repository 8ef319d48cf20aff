import {
  arrayOf,
  byStatus,
  integer,
  object,
  oneOf,
  optional,
  string,
  type StateReader,
} from '../state-reader';
import type { StockReservation } from './commands';
import { CANCELLATION_REASON_CODES } from './events';
import type { OrderLine } from './money';
import {
  CANCELLABLE_STATUSES,
  ORDER_STATUSES,
  type ExistingOrder,
  type NoOrder,
  type OrderState,
} from './state';

const orderLine = object<OrderLine>({ sku: string, quantity: integer, unitPrice: integer });
const reservation = object<StockReservation>({ sku: string, quantity: integer });

const existingOrder = object<ExistingOrder>({
  status: oneOf(ORDER_STATUSES),
  customerId: string,
  currency: string,
  salesChannel: string,
  items: arrayOf(orderLine),
  totalAmount: integer,
  createdAt: string,
  updatedAt: string,
  reservedItems: optional(arrayOf(reservation)),
  payment: optional(object<NonNullable<ExistingOrder['payment']>>({ paymentId: string, amount: integer })),
  shipment: optional(
    object<NonNullable<ExistingOrder['shipment']>>({
      shipmentId: string,
      carrier: string,
      trackingNumber: string,
    }),
  ),
  cancellation: optional(
    object<NonNullable<ExistingOrder['cancellation']>>({
      reason: string,
      reasonCode: oneOf(CANCELLATION_REASON_CODES),
      cancelledFromStatus: oneOf(CANCELLABLE_STATUSES),
    }),
  ),
});

/** An order's state from a snapshot, or a StateShapeError naming the first field out of shape. */
export const readOrderState: StateReader<OrderState> = byStatus<OrderState>({
  None: object<NoOrder>({ status: oneOf(['None']) }),
  Draft: existingOrder,
  Placed: existingOrder,
  InventoryReserved: existingOrder,
  PaymentCaptured: existingOrder,
  Shipped: existingOrder,
  Completed: existingOrder,
  Cancelled: existingOrder,
});
