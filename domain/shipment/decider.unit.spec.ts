import { InvalidStateError, NotFoundError, ValidationError } from '../../lib/errors';
import { foldEvents } from '../decider';
import { deciderSpecification } from '../testing/decider-spec';
import {
  CREATED_OUTCOME,
  SHIPMENT_EVENTS as E,
  createShipment,
  trackingUpdate,
  voidShipment,
} from '../testing/shipment-fixtures';
import type { ShipmentCommand } from './commands';
import { shipmentDecider } from './decider';
import { carrierIdempotencyKey, effectNeeded } from './effect-needed';

const given = deciderSpecification(shipmentDecider);

describe('CreateShipment', () => {
  it('records the label the carrier issued, or its refusal', () => {
    given([]).when(createShipment(CREATED_OUTCOME)).then([E.created]);
    given([])
      .when(createShipment({ status: 'failed', reason: 'address not served' }))
      .then([E.failed]);
  });

  it('calls the carrier only for a shipment that does not exist yet, once per order', () => {
    expect(effectNeeded(createShipment(), foldEvents(shipmentDecider, []))).toBe(true);
    expect(effectNeeded(createShipment(), foldEvents(shipmentDecider, [E.created]))).toBe(false);
    expect(effectNeeded(createShipment(), foldEvents(shipmentDecider, [E.failed]))).toBe(false);
    expect(effectNeeded(trackingUpdate('Delivered'), foldEvents(shipmentDecider, [E.created]))).toBe(false);
    expect(carrierIdempotencyKey(createShipment())).toBe('shipment:order-1:create');
    given([])
      .when(createShipment())
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'outcome');
  });

  it('is idempotent: a second create never buys a second label', () => {
    given([E.created]).when(createShipment(CREATED_OUTCOME)).then([]);
    given([E.failed]).when(createShipment()).then([]);
  });

  it('names every malformed field', () => {
    const bad = {
      ...createShipment({ status: 'created' } as never),
      items: [{ sku: '', quantity: 0 }],
    } as ShipmentCommand;
    const error = given([]).when(bad).thenThrows(ValidationError);
    expect(error.errors.map((e) => e.field).sort()).toEqual(
      [
        'items[0].sku',
        'items[0].quantity',
        'outcome.shipmentId',
        'outcome.carrier',
        'outcome.trackingNumber',
        'outcome.labelUrl',
      ].sort(),
    );
    given([])
      .when({ ...createShipment(CREATED_OUTCOME), items: [] })
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'items');
  });
});

describe('RecordTrackingUpdate', () => {
  it('moves the parcel forward', () => {
    given([E.created]).when(trackingUpdate('InTransit', 'Leipzig hub')).then([E.inTransit]);
    given([E.created, E.inTransit]).when(trackingUpdate('OutForDelivery')).then([E.outForDelivery]);
    given([E.created, E.inTransit]).when(trackingUpdate('Delivered')).then([E.delivered]);
    given([E.created]).when(trackingUpdate('Delivered')).then([E.delivered]);
    expect(foldEvents(shipmentDecider, [E.created, E.inTransit, E.delivered])).toMatchObject({
      status: 'Delivered',
      shipmentId: 'ship-1',
      lastUpdateAt: '2025-03-02T08:00:00.000Z',
    });
  });

  it('acknowledges a late or repeated update with no event', () => {
    given([E.created, E.delivered]).when(trackingUpdate('InTransit')).then([]);
    given([E.created, E.delivered]).when(trackingUpdate('Delivered')).then([]);
    given([E.created, E.outForDelivery]).when(trackingUpdate('InTransit')).then([]);
  });

  it('needs a created shipment', () => {
    given([]).when(trackingUpdate('InTransit')).thenThrows(NotFoundError);
    given([E.failed]).when(trackingUpdate('InTransit')).thenThrows(InvalidStateError);
    given([E.created])
      .when({ ...trackingUpdate('InTransit'), status: 'Lost', at: 'soon' } as unknown as ShipmentCommand)
      .thenThrows(ValidationError, (e) => e.errors.map((x) => x.field).join() === 'status,at');
  });

  it('refuses histories that cannot exist', () => {
    expect(() => foldEvents(shipmentDecider, [E.delivered])).toThrow(InvalidStateError);
    expect(() => foldEvents(shipmentDecider, [E.created, E.failed])).toThrow(InvalidStateError);
  });
});

describe('VoidShipment', () => {
  it('before any label closes the shipment, so a create still in flight buys nothing', () => {
    given([]).when(voidShipment()).then([E.voidedBeforeLabel]);
    expect(effectNeeded(voidShipment(), foldEvents(shipmentDecider, []))).toBe(false);
    expect(effectNeeded(createShipment(), foldEvents(shipmentDecider, [E.voidedBeforeLabel]))).toBe(false);
    given([E.voidedBeforeLabel]).when(createShipment(CREATED_OUTCOME)).then([]);
  });

  it('with a label records what the carrier answered, under one key for every attempt', () => {
    expect(effectNeeded(voidShipment(), foldEvents(shipmentDecider, [E.created]))).toBe(true);
    expect(effectNeeded(voidShipment(), foldEvents(shipmentDecider, [E.created, E.inTransit]))).toBe(true);
    expect(carrierIdempotencyKey(voidShipment())).toBe('shipment:order-1:void');
    given([E.created])
      .when(voidShipment({ status: 'voided' }))
      .then([E.voided]);
    given([E.created])
      .when(voidShipment({ status: 'failed', reason: 'carrier unavailable' }))
      .then([E.voidFailed]);
    expect(foldEvents(shipmentDecider, [E.created, E.voidFailed, E.voidFailed])).toMatchObject({
      status: 'Created',
      voidFailures: 2,
    });
    given([E.created, E.voidFailed])
      .when(voidShipment({ status: 'voided' }))
      .then([E.voided]);
    given([E.created])
      .when(voidShipment())
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'outcome');
  });

  it('has nothing to stop after a failure, a delivery or an earlier void', () => {
    given([E.failed]).when(voidShipment()).then([]);
    given([E.created, E.delivered]).when(voidShipment()).then([]);
    given([E.created, E.voided])
      .when(voidShipment({ status: 'voided' }))
      .then([]);
    expect(effectNeeded(voidShipment(), foldEvents(shipmentDecider, [E.created, E.voided]))).toBe(false);
  });

  it('ignores carrier updates for a voided label and refuses histories that cannot exist', () => {
    given([E.created, E.voided]).when(trackingUpdate('Delivered')).then([]);
    expect(() => foldEvents(shipmentDecider, [E.voided])).toThrow(InvalidStateError);
    expect(() => foldEvents(shipmentDecider, [E.voidFailed])).toThrow(InvalidStateError);
    expect(() => foldEvents(shipmentDecider, [E.created, E.voided, E.inTransit])).toThrow(InvalidStateError);
  });
});
