import { INVENTORY_EVENT_TYPES } from '../../../domain/inventory/events';
import { NOTIFICATION_EVENT_TYPES } from '../../../domain/notification/events';
import { ORDER_EVENT_TYPES } from '../../../domain/order/events';
import { PAYMENT_EVENT_TYPES } from '../../../domain/payment/events';
import { PREFERENCES_EVENT_TYPES } from '../../../domain/preferences/events';
import { SHIPMENT_EVENT_TYPES } from '../../../domain/shipment/events';
import type { ViewName } from '../views';
import type { AggregateType } from '../../../topics/names';
import type { EventEnvelope } from './envelope';
import { evolveNotificationView } from './notification-projection';
import { evolveOrderView } from './order-projection';
import { evolvePaymentView } from './payment-projection';
import { evolvePreferencesView } from './preferences-projection';
import { evolveProductView } from './product-projection';
import { evolveShipmentView } from './shipment-projection';

/** What every view document has; the runner needs nothing else to store and announce it. */
export interface ViewDocument {
  _id: string;
  version: number;
  updatedAt: string;
  status?: string;
}

/** One decoded event, addressed to the view document it changes (the view id is the aggregate id). */
export interface ProjectionEvent extends EventEnvelope {
  view: ViewName;
  event: { type: string; data: { occurredAt: string } };
}

type Evolve = (
  doc: ViewDocument | undefined,
  event: ProjectionEvent['event'],
  envelope: EventEnvelope,
) => ViewDocument | undefined;

interface ViewSpec {
  aggregate: AggregateType;
  evolve: Evolve;
  /** Every query the query API makes on this view (DESIGN §7), as MongoDB key patterns. */
  indexes: Record<string, 1 | -1>[];
}

/**
 * One view's typed evolve behind the runner's untyped one. The event is checked against the
 * aggregate's event types before it is handed over (the codec decoded it from that aggregate's
 * topic, so a mismatch is a bug, reported as such); the document is the one this same evolve
 * returned for the id, so it is of the view's type by construction.
 */
const spec = <D extends ViewDocument, E extends { type: string }>(
  aggregate: AggregateType,
  eventTypes: readonly E['type'][],
  evolve: (doc: D | undefined, event: E, envelope: EventEnvelope) => D | undefined,
  indexes: Record<string, 1 | -1>[],
): ViewSpec => {
  const known = new Set<string>(eventTypes);
  const isEvent = (event: ProjectionEvent['event']): event is ProjectionEvent['event'] & E =>
    known.has(event.type);
  return {
    aggregate,
    evolve: (doc, event, envelope) => {
      if (!isEvent(event)) throw new Error(`${event.type} is not an event of ${aggregate}`);
      return evolve(doc as D | undefined, event, envelope);
    },
    indexes,
  };
};

export const VIEW_SPECS: Record<ViewName, ViewSpec> = {
  orders: spec('orders', ORDER_EVENT_TYPES, evolveOrderView, [
    { customerId: 1, updatedAt: -1 },
    { status: 1, updatedAt: -1 },
    { customerId: 1, status: 1, updatedAt: -1 },
  ]),
  products: spec('inventory', INVENTORY_EVENT_TYPES, evolveProductView, [{ category: 1 }, { name: 1 }]),
  // Payments and shipments are keyed by orderId (`_id`); lists are newest first, maybe by status.
  payments: spec('payments', PAYMENT_EVENT_TYPES, evolvePaymentView, [
    { updatedAt: -1 },
    { status: 1, updatedAt: -1 },
  ]),
  shipments: spec('shipments', SHIPMENT_EVENT_TYPES, evolveShipmentView, [
    { updatedAt: -1 },
    { status: 1, updatedAt: -1 },
  ]),
  notifications: spec('notifications', NOTIFICATION_EVENT_TYPES, evolveNotificationView, [
    { orderId: 1, updatedAt: -1 },
    { customerId: 1, updatedAt: -1 },
  ]),
  // Read by customerId, the `_id`: no secondary index.
  preferences: spec('preferences', PREFERENCES_EVENT_TYPES, evolvePreferencesView, []),
};

export const VIEW_OF_AGGREGATE: Record<AggregateType, ViewName> = {
  orders: 'orders',
  inventory: 'products',
  payments: 'payments',
  shipments: 'shipments',
  notifications: 'notifications',
  preferences: 'preferences',
};

/** An event whose `evolve` threw: a deterministic failure, the same on every redelivery and replay. */
export type EvolveFailure = (event: ProjectionEvent, err: unknown) => void;

/**
 * Folds events into documents in memory (STYLE 6): `docs` holds the current documents by id
 * and is updated in place; the ids whose document moved to a newer version are returned.
 * Events must come in history order per id, which a partition guarantees. An event whose evolve
 * throws leaves its document as it was and goes to `onFailure` (live runner and replay skip it
 * alike, so both still build the same documents); without `onFailure` the error propagates.
 */
export const foldEvents = (
  docs: Map<string, ViewDocument>,
  events: readonly ProjectionEvent[],
  onFailure?: EvolveFailure,
): Set<string> => {
  const changed = new Set<string>();
  for (const e of events) {
    const before = docs.get(e.aggregateId);
    let after: ViewDocument | undefined;
    try {
      after = VIEW_SPECS[e.view].evolve(before, e.event, e);
    } catch (err) {
      if (!onFailure) throw err;
      onFailure(e, err);
      continue;
    }
    if (after !== undefined && after !== before) {
      docs.set(e.aggregateId, after);
      changed.add(e.aggregateId);
    }
  }
  return changed;
};
