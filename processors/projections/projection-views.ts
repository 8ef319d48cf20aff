import type { InventoryEvent } from '../../domain/inventory/events';
import type { NotificationEvent } from '../../domain/notification/events';
import type { OrderEvent } from '../../domain/order/events';
import type { PaymentEvent } from '../../domain/payment/events';
import type { PreferencesEvent } from '../../domain/preferences/events';
import type { ShipmentEvent } from '../../domain/shipment/events';
import type { ViewName } from '../../lib/read-models/views';
import type { AggregateType } from '../../topics/names';
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
  event: never,
  envelope: EventEnvelope,
) => ViewDocument | undefined;

interface ViewSpec {
  aggregate: AggregateType;
  evolve: Evolve;
  /** Every query the query API makes on this view (DESIGN §7), as MongoDB key patterns. */
  indexes: Record<string, 1 | -1>[];
}

const spec = <D extends ViewDocument, E>(
  aggregate: AggregateType,
  evolve: (doc: D | undefined, event: E, envelope: EventEnvelope) => D | undefined,
  indexes: Record<string, 1 | -1>[],
): ViewSpec => ({ aggregate, evolve: evolve as unknown as Evolve, indexes });

export const VIEW_SPECS: Record<ViewName, ViewSpec> = {
  orders: spec<never, OrderEvent>('orders', evolveOrderView as never, [
    { customerId: 1, updatedAt: -1 },
    { status: 1, updatedAt: -1 },
    { customerId: 1, status: 1, updatedAt: -1 },
  ]),
  products: spec<never, InventoryEvent>('inventory', evolveProductView as never, [
    { category: 1 },
    { name: 1 },
  ]),
  // Payments and shipments are keyed by orderId (`_id`); lists are newest first, maybe by status.
  payments: spec<never, PaymentEvent>('payments', evolvePaymentView as never, [
    { updatedAt: -1 },
    { status: 1, updatedAt: -1 },
  ]),
  shipments: spec<never, ShipmentEvent>('shipments', evolveShipmentView as never, [
    { updatedAt: -1 },
    { status: 1, updatedAt: -1 },
  ]),
  notifications: spec<never, NotificationEvent>('notifications', evolveNotificationView as never, [
    { orderId: 1, updatedAt: -1 },
    { customerId: 1, updatedAt: -1 },
  ]),
  // Read by customerId, the `_id`: no secondary index.
  preferences: spec<never, PreferencesEvent>('preferences', evolvePreferencesView as never, []),
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
      after = VIEW_SPECS[e.view].evolve(before, e.event as never, e);
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
