import type { ShipmentCommand } from '../../domain/shipment/commands';
import { carrierIdempotencyKey, effectNeeded } from '../../domain/shipment/effect-needed';
import type { ShipmentState } from '../../domain/shipment/state';
import type { CarrierClient } from '../../lib/clients/carrier-client';

/** Creates the shipment with the carrier (one label per order, by key) and records the answer. */
export const shipmentEffect =
  (carrier: CarrierClient) =>
  async (command: ShipmentCommand, state: ShipmentState): Promise<ShipmentCommand> => {
    if (command.type !== 'CreateShipment' || !effectNeeded(command, state)) return command;
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
