import { InvalidStateError, NotFoundError } from '../../lib/errors';
import type { Decider } from '../decider';
import { invalidField } from '../order/field-checks';
import type { CreateShipment, RecordTrackingUpdate, ShipmentCommand } from './commands';
import { effectNeeded } from './effect-needed';
import type { ShipmentEvent } from './events';
import { evolveShipment } from './evolve';
import { PROGRESS, initialShipmentState, type ShipmentState } from './state';
import { validateShipmentCommand } from './validate-command';

/** Creating a shipment that exists (or failed) emits nothing: a redelivery must not buy a second label. */
const create = (command: CreateShipment, state: ShipmentState): ShipmentEvent[] => {
  if (!effectNeeded(command, state)) return [];
  const { outcome } = command;
  if (outcome === undefined) {
    throw invalidField('outcome', 'is required: the carrier must be called before CreateShipment is decided');
  }
  const occurredAt = command.meta.issuedAt;
  if (outcome.status === 'failed')
    return [{ type: 'ShipmentFailed', data: { reason: outcome.reason, occurredAt } }];
  const { shipmentId, carrier, trackingNumber, labelUrl } = outcome;
  const items = command.items.map(({ sku, quantity }) => ({ sku, quantity }));
  return [
    { type: 'ShipmentCreated', data: { shipmentId, carrier, trackingNumber, labelUrl, items, occurredAt } },
  ];
};

/** Carrier updates only move a parcel forward; a late or repeated one is acknowledged with no event. */
const track = (command: RecordTrackingUpdate, state: ShipmentState): ShipmentEvent[] => {
  if (state.status === 'None') throw new NotFoundError(`no shipment for order ${command.orderId}`);
  if (state.status === 'Failed') {
    throw new InvalidStateError(`the shipment of order ${command.orderId} failed and cannot be tracked`);
  }
  if (PROGRESS[command.status] <= PROGRESS[state.status]) return [];
  const { at, location } = command;
  const occurredAt = command.meta.issuedAt;
  const where = location === undefined ? {} : { location };
  return command.status === 'Delivered'
    ? [{ type: 'ShipmentDelivered', data: { at, ...where, occurredAt } }]
    : [{ type: 'ShipmentInTransit', data: { status: command.status, at, ...where, occurredAt } }];
};

export const decideShipment = (command: ShipmentCommand, state: ShipmentState): ShipmentEvent[] => {
  validateShipmentCommand(command);
  switch (command.type) {
    case 'CreateShipment':
      return create(command, state);
    case 'RecordTrackingUpdate':
      return track(command, state);
    default: {
      const unhandled: never = command;
      throw new InvalidStateError(`unknown shipment command ${JSON.stringify(unhandled)}`);
    }
  }
};

export const shipmentDecider: Decider<ShipmentCommand, ShipmentEvent, ShipmentState> = {
  decide: decideShipment,
  evolve: evolveShipment,
  initialState: initialShipmentState,
};
