import { INVENTORY_EVENT_TYPES } from '../inventory/events';
import { NOTIFICATION_EVENT_TYPES } from '../notification/events';
import { ORDER_EVENT_TYPES } from '../order/events';
import { PAYMENT_EVENT_TYPES } from '../payment/events';
import { SHIPMENT_EVENT_TYPES } from '../shipment/events';
import type { EventsOf, SagaAggregate, SagaInput } from './types';

const EVENT_TYPES: { readonly [A in SagaAggregate]: ReadonlySet<string> } = {
  orders: new Set(ORDER_EVENT_TYPES),
  inventory: new Set(INVENTORY_EVENT_TYPES),
  payments: new Set(PAYMENT_EVENT_TYPES),
  shipments: new Set(SHIPMENT_EVENT_TYPES),
  notifications: new Set(NOTIFICATION_EVENT_TYPES),
};

const isSagaAggregate = (aggregate: string): aggregate is SagaAggregate =>
  Object.hasOwn(EVENT_TYPES, aggregate);

/**
 * A decoded event as the saga's reactions take it, or undefined when it is not the saga's (an
 * aggregate it does not follow, or a type that aggregate does not have). The payload itself was
 * checked by the Avro schema it was decoded with, so only the type needs checking here.
 */
export const sagaInputOf = <A extends string>(input: {
  aggregate: A;
  aggregateId: string;
  version: number;
  eventId?: string;
  event: { type: string; data: unknown };
}): SagaInput | undefined => {
  const { aggregate, event } = input;
  if (!isSagaAggregate(aggregate) || !EVENT_TYPES[aggregate].has(event.type)) return undefined;
  return { ...input, aggregate, event: event as EventsOf[typeof aggregate] } as SagaInput;
};
