import type { ShipmentCommand } from '../../domain/shipment/commands';
import { carrierIdempotencyKey, effectNeeded } from '../../domain/shipment/effect-needed';
import type { ShipmentState } from '../../domain/shipment/state';
import type { CarrierClient } from '../../lib/clients/carrier-client';

/**
 * Creates the shipment with the carrier (one label per order, by key), or voids its label, and
 * records the answer. A void that fails is an outcome too (ShipmentVoidFailed): the
 * compensation retrier (processors/saga/compensation-retrier.ts) sends the void again later
 * under the same key, so the command partition is never held up by a carrier outage.
 */
export const shipmentEffect =
  (carrier: CarrierClient) =>
  async (command: ShipmentCommand, state: ShipmentState): Promise<ShipmentCommand> => {
    if (!effectNeeded(command, state)) return command;
    if (command.type === 'VoidShipment') {
      if (!('shipmentId' in state) || state.shipmentId === undefined) return command;
      try {
        await carrier.voidShipment(
          state.shipmentId,
          { orderId: command.orderId },
          { idempotencyKey: carrierIdempotencyKey(command) },
        );
        return { ...command, outcome: { status: 'voided' } };
      } catch (err) {
        return { ...command, outcome: { status: 'failed', reason: (err as Error).message } };
      }
    }
    if (command.type !== 'CreateShipment') return command;
    try {
      const result = await carrier.createShipment(
        { orderId: command.orderId, items: command.items },
        { idempotencyKey: carrierIdempotencyKey(command) },
      );
      return {
        ...command,
        outcome:
          result.status === 'created'
            ? {
                status: 'created',
                shipmentId: result.shipmentId,
                carrier: result.carrier,
                trackingNumber: result.trackingNumber,
                labelUrl: result.labelUrl,
              }
            : { status: 'failed', reason: result.reason },
      };
    } catch (err) {
      return { ...command, outcome: { status: 'failed', reason: (err as Error).message } };
    }
  };
