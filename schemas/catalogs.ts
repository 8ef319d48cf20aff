import { join } from 'node:path';
import type { InventoryEvent } from '../domain/inventory/events';
import type { NotificationEvent } from '../domain/notification/events';
import type { OrderEvent } from '../domain/order/events';
import type { PaymentEvent } from '../domain/payment/events';
import type { PreferencesEvent } from '../domain/preferences/events';
import type { ShipmentEvent } from '../domain/shipment/events';
import { ORDERS_NAMESPACE, createSchemaCatalog, ordersCatalog, type SchemaCatalog } from './catalog';
import { createEventSerde, type EventSerde } from './generic-event-serde';
import { decodeOrderEvent, encodeOrderEvent } from './order-event-serde';

/** One aggregate type's schemas and the serde that writes and reads its events topic. */
export interface AggregateSchemas<E extends { type: string }> {
  catalog: SchemaCatalog;
  serde: EventSerde<E>;
}

/** The events topic of each aggregate type carries records of `io.orderstream.<aggregate>`. */
export const SCHEMA_NAMESPACES = {
  orders: ORDERS_NAMESPACE,
  inventory: 'io.orderstream.inventory',
  payments: 'io.orderstream.payments',
  shipments: 'io.orderstream.shipments',
  notifications: 'io.orderstream.notifications',
  preferences: 'io.orderstream.preferences',
} as const;

export type SchemaAggregate = keyof typeof SCHEMA_NAMESPACES;

const catalogOf = (aggregate: Exclude<SchemaAggregate, 'orders'>): SchemaCatalog =>
  createSchemaCatalog({ dir: join(__dirname, aggregate), namespace: SCHEMA_NAMESPACES[aggregate] });

const generic = <E extends { type: string; data: unknown }>(
  aggregate: Exclude<SchemaAggregate, 'orders'>,
): AggregateSchemas<E> => {
  const catalog = catalogOf(aggregate);
  return { catalog, serde: createEventSerde<E>(catalog) };
};

/**
 * Orders keep their hand-written codec (it narrows enums and statuses and carries the v1
 * upcasters); the other aggregates' events map 1:1 onto Avro and use the generic serde.
 */
export const catalogs: {
  orders: AggregateSchemas<OrderEvent>;
  inventory: AggregateSchemas<InventoryEvent>;
  payments: AggregateSchemas<PaymentEvent>;
  shipments: AggregateSchemas<ShipmentEvent>;
  notifications: AggregateSchemas<NotificationEvent>;
  preferences: AggregateSchemas<PreferencesEvent>;
} = {
  orders: { catalog: ordersCatalog, serde: { encode: encodeOrderEvent, decode: decodeOrderEvent } },
  inventory: generic<InventoryEvent>('inventory'),
  payments: generic<PaymentEvent>('payments'),
  shipments: generic<ShipmentEvent>('shipments'),
  notifications: generic<NotificationEvent>('notifications'),
  preferences: generic<PreferencesEvent>('preferences'),
};
