import type { MinorUnits, OrderLine } from './money';
import type { CancellationReasonCode } from './events';

export interface CommandMeta {
  commandId: string;
  correlationId: string;
  causationId?: string;
  /** ISO-8601 instant the command was issued; the only clock the domain sees (events copy it). */
  issuedAt: string;
  /**
   * The customer who issued the command, when the actor is a customer (from their token). A
   * command on someone else's order is answered as if the order did not exist; absent for
   * admins and for the saga, who may act on any order.
   */
  customerId?: string;
}

interface OrderCommandBase<Type extends string> {
  type: Type;
  orderId: string;
  /** Checked by the command processor against the stored version, never by the decider. */
  expectedVersion?: number;
  meta: CommandMeta;
}

export interface CreateOrder extends OrderCommandBase<'CreateOrder'> {
  customerId: string;
  /** ISO 4217 code, e.g. "EUR". */
  currency: string;
  /** May be empty; lines with the same sku are merged. */
  items: OrderLine[];
  /** Defaults to "web". */
  salesChannel?: string;
}

export interface AddItem extends OrderCommandBase<'AddItem'> {
  sku: string;
  quantity: number;
  unitPrice: MinorUnits;
}

export interface RemoveItem extends OrderCommandBase<'RemoveItem'> {
  sku: string;
}

export type PlaceOrder = OrderCommandBase<'PlaceOrder'>;

export interface StockReservation {
  sku: string;
  quantity: number;
}

/**
 * The inventory aggregate's answer for one line of a Placed order (sent by the saga on
 * StockReserved / StockReservationRejected). Late or repeated answers are normal: outside
 * Placed this command changes nothing.
 */
export interface RecordStockReservation extends OrderCommandBase<'RecordStockReservation'> {
  sku: string;
  quantity: number;
  reserved: boolean;
}

export interface CapturePayment extends OrderCommandBase<'CapturePayment'> {
  paymentId: string;
  /** Must equal the order's totalAmount. */
  amount: MinorUnits;
}

export interface ShipOrder extends OrderCommandBase<'ShipOrder'> {
  shipmentId: string;
  carrier: string;
  trackingNumber: string;
}

export type CompleteOrder = OrderCommandBase<'CompleteOrder'>;

export interface CancelOrder extends OrderCommandBase<'CancelOrder'> {
  reason: string;
  reasonCode: CancellationReasonCode;
}

export type OrderCommand =
  | CreateOrder
  | AddItem
  | RemoveItem
  | PlaceOrder
  | RecordStockReservation
  | CapturePayment
  | ShipOrder
  | CompleteOrder
  | CancelOrder;

export type OrderCommandType = OrderCommand['type'];
