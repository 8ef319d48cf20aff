import type { Decider } from '../../domain/decider';
import { inventoryDecider } from '../../domain/inventory/decider';
import type { InventoryCommand } from '../../domain/inventory/commands';
import type { InventoryEvent } from '../../domain/inventory/events';
import type { InventoryState } from '../../domain/inventory/state';
import { validateInventoryCommand } from '../../domain/inventory/validate-command';
import { readInventoryState } from '../../domain/inventory/read-state';
import { notificationDecider } from '../../domain/notification/decider';
import type { NotificationCommand } from '../../domain/notification/commands';
import type { NotificationEvent } from '../../domain/notification/events';
import type { NotificationState } from '../../domain/notification/state';
import { validateNotificationCommand } from '../../domain/notification/validate-command';
import { readNotificationState } from '../../domain/notification/read-state';
import { paymentDecider } from '../../domain/payment/decider';
import type { PaymentCommand } from '../../domain/payment/commands';
import type { PaymentEvent } from '../../domain/payment/events';
import type { PaymentState } from '../../domain/payment/state';
import { validatePaymentCommand } from '../../domain/payment/validate-command';
import { readPaymentState } from '../../domain/payment/read-state';
import type { PreferencesCommand } from '../../domain/preferences/commands';
import { preferencesDecider } from '../../domain/preferences/decider';
import type { PreferencesEvent } from '../../domain/preferences/events';
import type { PreferencesState } from '../../domain/preferences/state';
import { validatePreferencesCommand } from '../../domain/preferences/validate-command';
import { readPreferencesState } from '../../domain/preferences/read-state';
import { shipmentDecider } from '../../domain/shipment/decider';
import type { ShipmentCommand } from '../../domain/shipment/commands';
import type { ShipmentEvent } from '../../domain/shipment/events';
import type { ShipmentState } from '../../domain/shipment/state';
import { validateShipmentCommand } from '../../domain/shipment/validate-command';
import { readShipmentState } from '../../domain/shipment/read-state';
import type { StateReader } from '../../domain/state-reader';
import type { SchemaRegistryAdapter } from '../../lib/adapters/schema-registry';
import { ValidationError } from '../../lib/errors';
import type { CommandLike } from '../../lib/adapters/kafka/command-protocol';
import { catalogs } from '../../schemas/catalogs';
import type { AggregateType, TopicNames } from '../../topics/names';
import type { AggregateModule } from './aggregate-module';
import { codecFor, type EventCodec } from '../../schemas/event-codec';

/** Parses a JSON command record: an object with meta, then the aggregate's own validation. */
export const commandParser =
  <C extends CommandLike>(validate: (command: C) => void) =>
  (json: unknown): C => {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ValidationError('a command must be a JSON object', [
        { field: '(root)', message: 'must be an object' },
      ]);
    }
    const candidate = json as C;
    if (typeof candidate.meta !== 'object' || candidate.meta === null) {
      throw new ValidationError('a command needs meta', [{ field: 'meta', message: 'must be an object' }]);
    }
    validate(candidate);
    return candidate;
  };

interface ModuleSpec<C extends CommandLike, E extends { type: string; data: { occurredAt: string } }, S> {
  aggregate: AggregateType;
  decider: Decider<C, E, S>;
  codec: EventCodec<E>;
  validate: (command: C) => void;
  idOf: (command: C) => string;
  effect?: (command: C, state: S) => Promise<C>;
  /** The state as its type says it is, from a snapshot's JSON. */
  readState: StateReader<S>;
}

/** Every state here is plain JSON data: snapshots store it as is, and read it back checked. */
export const aggregateModule = <
  C extends CommandLike,
  E extends { type: string; data: { occurredAt: string } },
  S,
>(
  spec: ModuleSpec<C, E, S>,
): AggregateModule<C, E, S> => ({
  aggregate: spec.aggregate,
  decider: spec.decider,
  codec: spec.codec,
  parseCommand: commandParser(spec.validate),
  aggregateIdOf: spec.idOf,
  occurredAtOf: (event) => event.data.occurredAt,
  ...(spec.effect ? { effect: spec.effect } : {}),
  stateToJson: (state) => state,
  stateFromJson: (json) => spec.readState(json, 'state'),
});

export interface Effects {
  payments: (command: PaymentCommand, state: PaymentState) => Promise<PaymentCommand>;
  shipments: (command: ShipmentCommand, state: ShipmentState) => Promise<ShipmentCommand>;
  notifications: (command: NotificationCommand, state: NotificationState) => Promise<NotificationCommand>;
}

export const sagaModules = async (registry: SchemaRegistryAdapter, topics: TopicNames, effects: Effects) => ({
  inventory: aggregateModule<InventoryCommand, InventoryEvent, InventoryState>({
    aggregate: 'inventory',
    decider: inventoryDecider,
    codec: await codecFor(registry, topics, 'inventory', catalogs.inventory),
    validate: validateInventoryCommand,
    readState: readInventoryState,
    idOf: (c) => c.sku,
  }),
  payments: aggregateModule<PaymentCommand, PaymentEvent, PaymentState>({
    aggregate: 'payments',
    decider: paymentDecider,
    codec: await codecFor(registry, topics, 'payments', catalogs.payments),
    validate: validatePaymentCommand,
    readState: readPaymentState,
    idOf: (c) => c.orderId,
    effect: effects.payments,
  }),
  shipments: aggregateModule<ShipmentCommand, ShipmentEvent, ShipmentState>({
    aggregate: 'shipments',
    decider: shipmentDecider,
    codec: await codecFor(registry, topics, 'shipments', catalogs.shipments),
    validate: validateShipmentCommand,
    readState: readShipmentState,
    idOf: (c) => c.orderId,
    effect: effects.shipments,
  }),
  notifications: aggregateModule<NotificationCommand, NotificationEvent, NotificationState>({
    aggregate: 'notifications',
    decider: notificationDecider,
    codec: await codecFor(registry, topics, 'notifications', catalogs.notifications),
    validate: validateNotificationCommand,
    readState: readNotificationState,
    idOf: (c) => c.notificationId,
    effect: effects.notifications,
  }),
  preferences: aggregateModule<PreferencesCommand, PreferencesEvent, PreferencesState>({
    aggregate: 'preferences',
    decider: preferencesDecider,
    codec: await codecFor(registry, topics, 'preferences', catalogs.preferences),
    validate: validatePreferencesCommand,
    readState: readPreferencesState,
    idOf: (c) => c.customerId,
  }),
});
