import type { InventoryCommand } from '../inventory/commands';
import type { InventoryEvent } from '../inventory/events';
import type { NotificationCommand } from '../notification/commands';
import type { NotificationEvent } from '../notification/events';
import type { NotificationPreferences } from '../preferences/preferences';
import type { OrderCommand } from '../order/commands';
import type { OrderEvent } from '../order/events';
import type { PaymentCommand } from '../payment/commands';
import type { PaymentEvent } from '../payment/events';
import type { ShipmentCommand } from '../shipment/commands';
import type { ShipmentEvent } from '../shipment/events';

/** The aggregate types, named as their topics are (topics/names.ts AggregateType). */
export type SagaAggregate = 'orders' | 'inventory' | 'payments' | 'shipments' | 'notifications';

export interface EventsOf {
  orders: OrderEvent;
  inventory: InventoryEvent;
  payments: PaymentEvent;
  shipments: ShipmentEvent;
  notifications: NotificationEvent;
}

export interface CommandsOf {
  orders: OrderCommand;
  inventory: InventoryCommand;
  payments: PaymentCommand;
  shipments: ShipmentCommand;
  notifications: NotificationCommand;
}

/** One stored event as the saga sees it: its stream position identifies it. */
export type SagaInput = {
  [A in SagaAggregate]: {
    aggregate: A;
    aggregateId: string;
    version: number;
    /** The event's id, the causation id of the commands it causes; defaults to `<aggregateId>:<version>`. */
    eventId?: string;
    event: EventsOf[A];
  };
}[SagaAggregate];

/** A command for another aggregate, addressed by aggregate type and id (the record key). */
export type CommandToSend = {
  [A in SagaAggregate]: { aggregate: A; aggregateId: string; command: CommandsOf[A] };
}[SagaAggregate];

export interface ReactionContext {
  /** The saga's correlation id (from the event's headers): every command it causes carries it. */
  correlationId: string;
  /**
   * The commands' meta.issuedAt. Pass the event's occurredAt, not the clock, so a redelivered
   * event yields byte-identical commands.
   */
  issuedAt: string;
  /** A customer's notification preferences (preferences aggregate); DEFAULT_PREFERENCES without it. */
  preferencesOf?: (customerId: string) => NotificationPreferences;
}
