import { ApiError, call, serviceUrl, subscribe } from '../api';
import { fill, h, money, statusBadge, table, time } from '../dom';
import { hasRole } from '../session';

interface OrderView {
  orderId: string;
  customerId: string;
  status: string;
  items: { sku: string; quantity: number; unitPrice: number }[];
  totalAmount: number;
  currency: string;
  version: number;
  updatedAt: string;
  timeline: { type: string; version: number; at: string }[];
  cancellationReason?: string;
  cancellationCode?: string;
}
interface StoredEvent {
  version: number;
  type: string;
  schemaVersion: number;
  headers: Record<string, string>;
}
interface Payment {
  status: string;
  amount: number;
  refunded: number;
  currency: string;
  gatewayRef?: string;
  reason?: string;
}
interface Shipment {
  status: string;
  carrier?: string;
  trackingNumber?: string;
  reason?: string;
}
interface Notification {
  channel: string;
  template: string;
  status: string;
  updatedAt: string;
  reason?: string;
}

interface Journey {
  order: OrderView;
  payment: Payment | null;
  shipment: Shipment | null;
  notifications: Notification[];
}

/** A part of the journey that does not exist yet (no payment before the reservation) is "none yet", not an error. */
const orNone = async <T>(read: Promise<T>): Promise<T | undefined> => {
  try {
    return await read;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
};

const dl = (entries: [string, string | number | Node | undefined][]): HTMLElement =>
  h(
    'dl',
    { class: 'facts' },
    entries
      .filter(([, v]) => v !== undefined && v !== '')
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );

/** One order's journey: its view, timeline, stored events with schema versions, payment, shipment, notifications. */
export function renderOrder(main: HTMLElement, orderId: string): () => void {
  const id = encodeURIComponent(orderId);
  const summary = h('section', { 'aria-labelledby': 'summary-heading' });
  const parts = h('div', { class: 'grid' });
  const events = h('section', { 'aria-labelledby': 'events-heading' });
  const live = h('p', { class: 'hint', role: 'status' });
  main.append(h('h1', {}, `Order ${orderId}`), live, summary, parts, events);

  let eventsVersion: number | undefined;
  const draw = async () => {
    const { order, payment, shipment, notifications } = await call<Journey>(
      `/api/queries/orders/${id}/journey`,
    );
    fill(
      summary,
      h('h2', { id: 'summary-heading' }, 'Summary'),
      dl([
        ['Status', statusBadge(order.status)],
        ['Cancellation reason', order.cancellationReason],
        ['Cancellation code', order.cancellationCode],
        ['Customer', order.customerId],
        ['Total', money(order.totalAmount, order.currency)],
        ['Version', order.version],
        ['Changed', time(order.updatedAt)],
      ]),
      table(
        'Items',
        ['SKU', 'Quantity', 'Unit price'],
        order.items.map((i) => [i.sku, i.quantity, money(i.unitPrice, order.currency)]),
      ),
      h('h3', { id: 'timeline-heading' }, 'Timeline'),
      h(
        'ol',
        { class: 'timeline', 'aria-labelledby': 'timeline-heading' },
        order.timeline.map((t) =>
          h('li', {}, h('time', { datetime: t.at }, time(t.at)), ` v${t.version} ${t.type}`),
        ),
      ),
    );
    fill(
      parts,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'payment-heading' },
        h('h2', { id: 'payment-heading' }, 'Payment'),
        payment
          ? dl([
              ['Status', statusBadge(payment.status)],
              ['Amount', money(payment.amount, payment.currency)],
              ['Refunded', payment.refunded ? money(payment.refunded, payment.currency) : undefined],
              ['Reference', payment.gatewayRef],
              ['Reason', payment.reason],
            ])
          : h('p', {}, 'None yet.'),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'shipment-heading' },
        h('h2', { id: 'shipment-heading' }, 'Shipment'),
        shipment
          ? dl([
              ['Status', statusBadge(shipment.status)],
              ['Carrier', shipment.carrier],
              ['Tracking', shipment.trackingNumber],
              ['Reason', shipment.reason],
            ])
          : h('p', {}, 'None yet.'),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'notifications-heading' },
        h('h2', { id: 'notifications-heading' }, 'Notifications'),
        h(
          'ul',
          {},
          notifications.map((n) =>
            h(
              'li',
              {},
              `${time(n.updatedAt)} ${n.channel} ${n.template}: ${n.status}${n.reason ? ` (${n.reason})` : ''}`,
            ),
          ),
        ),
      ),
    );
    const api = serviceUrl('command-api');
    // The stored events change only with the order's version: read them again only then.
    if (!hasRole('admin') || api === undefined || order.version === eventsVersion) return;
    eventsVersion = order.version;
    const stored = await orNone(call<{ events: StoredEvent[] }>(`${api}/api/admin/events/${id}`));
    fill(
      events,
      h('h2', { id: 'events-heading' }, 'Stored events'),
      table(
        'The event store, as the command API reads it',
        ['Version', 'Type', 'Schema version', 'Correlation'],
        (stored?.events ?? []).map((e) => [
          e.version,
          e.type,
          `v${e.schemaVersion}`,
          e.headers['correlation-id'] ?? '',
        ]),
      ),
    );
  };

  const refresh = () => void draw().catch((err: Error) => (live.textContent = err.message));
  refresh();
  // Payment, shipment and notification views are written by their own projections, after or
  // before the order's: a slow refresh catches them up between status events.
  const timer = setInterval(refresh, 3_000);
  const stop = subscribe(
    `/api/queries/orders/${id}/stream`,
    (event) => {
      const { status } = JSON.parse(event.data) as { status: string };
      live.textContent = `Live: ${status}`;
      refresh();
    },
    { onError: (err) => (live.textContent = `Stream interrupted: ${err.message}`) },
  );
  return () => {
    clearInterval(timer);
    stop();
  };
}
