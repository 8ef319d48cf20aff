import { call, serviceUrl, subscribe } from '../api';
import { fill, h, statusBadge, table, time } from '../dom';
import { hasRole } from '../session';
import { gatewayFaultsForm } from './gateway-faults';

interface Row {
  orderId: string;
  status: string;
  version: number;
  updatedAt?: string;
}

interface OrdersPage {
  items: { orderId: string; status: string; version: number; updatedAt: string }[];
}

/** Orders as they move: the newest page from the orders view, then every change from the feed. */
export function renderFeed(main: HTMLElement): () => void {
  const rows = new Map<string, Row>();
  const state = h('p', { class: 'hint', id: 'feed-state' }, 'Connecting…');
  const list = h('div');
  const draw = () =>
    fill(
      list,
      table(
        'Orders, most recently changed first',
        ['Order', 'Status', 'Version', 'Changed'],
        [...rows.values()]
          .sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''))
          .slice(0, 50)
          .map((row) => [
            h('a', { href: `#/orders/${encodeURIComponent(row.orderId)}` }, row.orderId),
            statusBadge(row.status),
            row.version,
            time(row.updatedAt),
          ]),
        { id: 'feed-table' },
      ),
    );
  const upsert = (row: Row) => {
    const known = rows.get(row.orderId);
    if (known && known.version >= row.version) return;
    rows.set(row.orderId, row);
  };

  fill(
    main,
    h('h1', {}, 'Live feed'),
    hasRole('customer', 'admin') ? demoOrderForm() : null,
    hasRole('admin') ? gatewayFaultsForm() : null,
    h(
      'section',
      { 'aria-labelledby': 'feed-heading' },
      h('h2', { id: 'feed-heading' }, 'Orders'),
      state,
      list,
    ),
  );
  draw();

  call<OrdersPage>('/api/queries/orders?pageSize=20')
    .then((page) => {
      for (const o of page.items) upsert(o);
      draw();
    })
    .catch((err: Error) => (state.textContent = err.message));
  return subscribe(
    '/api/queries/feed?view=orders',
    (event) => {
      const change = JSON.parse(event.data) as {
        id: string;
        status?: string;
        version: number;
        updatedAt?: string;
      };
      if (!change.status) return;
      upsert({
        orderId: change.id,
        status: change.status,
        version: change.version,
        updatedAt: change.updatedAt,
      });
      draw();
    },
    {
      onOpen: () => (state.textContent = 'Live: changes appear as the projections write them.'),
      onError: (err) => (state.textContent = `Feed interrupted (${err.message}); reconnecting…`),
    },
  );
}

interface Product {
  sku: string;
  name: string;
  available: number;
}

/** Creates an order for a demo customer and places it, as a shop front would. */
function demoOrderForm(): HTMLElement {
  const sku = h('select', { id: 'demo-sku', name: 'sku' });
  const quantity = h('input', {
    id: 'demo-quantity',
    name: 'quantity',
    type: 'number',
    min: 1,
    max: 100,
    value: 1,
  });
  const customer = h('input', {
    id: 'demo-customer',
    name: 'customer',
    value: 'c-demo',
    autocomplete: 'off',
  });
  const result = h('p', { class: 'result', role: 'status' });
  const submit = h('button', { type: 'submit' }, 'Place a demo order');
  call<{ items: Product[] }>('/api/products?pageSize=100')
    .then((page) =>
      fill(
        sku,
        page.items.map((p) => h('option', { value: p.sku }, `${p.sku} · ${p.name} (${p.available} left)`)),
      ),
    )
    .catch((err: Error) => (result.textContent = err.message));

  const place = async () => {
    const api = serviceUrl('command-api');
    if (api === undefined) throw new Error('the console has no command-api URL (CONSOLE_SERVICES)');
    const created = await call<{ orderId: string; version: number }>(`${api}/api/commands/orders/create`, {
      method: 'POST',
      json: { customerId: customer.value, items: [{ sku: sku.value, quantity: Number(quantity.value) }] },
    });
    await call(`${api}/api/commands/orders/${encodeURIComponent(created.orderId)}/place`, {
      method: 'POST',
      headers: { 'If-Match': `"${created.version}"` },
      json: {},
    });
    return created.orderId;
  };

  return h(
    'section',
    { 'aria-labelledby': 'demo-heading', class: 'card' },
    h('h2', { id: 'demo-heading' }, 'Place a demo order'),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (event: Event) => {
          event.preventDefault();
          submit.disabled = true;
          result.textContent = 'Placing…';
          place()
            .then((orderId) => {
              fill(result, 'Placed ', h('a', { href: `#/orders/${orderId}`, id: 'placed-order' }, orderId));
            })
            .catch((err: Error) => (result.textContent = err.message))
            .finally(() => (submit.disabled = false));
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'demo-sku' }, 'Product'), sku),
      h('div', { class: 'field' }, h('label', { for: 'demo-quantity' }, 'Quantity'), quantity),
      h('div', { class: 'field' }, h('label', { for: 'demo-customer' }, 'Customer'), customer),
      submit,
    ),
    result,
  );
}
