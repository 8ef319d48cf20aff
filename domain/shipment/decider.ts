import { InvalidStateError, NotFoundError } from '../../lib/errors';
import type { Decider } from '../decider';
import { invalidField } from '../command-validator';
import type { CreateShipment, RecordTrackingUpdate, ShipmentCommand, VoidShipment } from './commands';
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
  // A poll answered just before the void was recorded: the label no longer ships anything.
  if (state.status === 'Voided') return [];
  if (PROGRESS[command.status] <= PROGRESS[state.status]) return [];
  const { at, location } = command;
  const occurredAt = command.meta.issuedAt;
  const where = location === undefined ? {} : { location };
  return command.status === 'Delivered'
    ? [{ type: 'ShipmentDelivered', data: { at, ...where, occurredAt } }]
    : [{ type: 'ShipmentInTransit', data: { status: command.status, at, ...where, occurredAt } }];
};

/**
 * Compensation: never fails on state. Before any label it closes the shipment (a create still
 * in flight then buys nothing); with a label it records what the carrier answered to the void;
 * after a failure, a delivery or an earlier void there is nothing left to stop.
 */
const cancel = (command: VoidShipment, state: ShipmentState): ShipmentEvent[] => {
  const occurredAt = command.meta.issuedAt;
  const { reason } = command;
  if (state.status === 'None') return [{ type: 'ShipmentVoided', data: { reason, occurredAt } }];
  if (!effectNeeded(command, state) || !('shipmentId' in state) || state.shipmentId === undefined) return [];
  const { outcome } = command;
  if (outcome === undefined) {
    throw invalidField('outcome', 'is required: the carrier must be called before VoidShipment is decided');
  }
  return outcome.status === 'voided'
    ? [{ type: 'ShipmentVoided', data: { reason, shipmentId: state.shipmentId, occurredAt } }]
    : [{ type: 'ShipmentVoidFailed', data: { reason: outcome.reason, occurredAt } }];
};

export const decideShipment = (command: ShipmentCommand, state: ShipmentState): ShipmentEvent[] => {
  validateShipmentCommand(command);
  switch (command.type) {
    case 'CreateShipment':
      return create(command, state);
    case 'RecordTrackingUpdate':
      return track(command, state);
    case 'VoidShipment':
      return cancel(command, state);
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
