import { call } from '../api';
import { fill, h, money, table } from '../dom';

interface Product {
  sku: string;
  name: string;
  price: number;
  category: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStock: boolean;
}

/** Stock per SKU from the products view; a SKU at or below its threshold is marked, in words as well as colour. */
export function renderStock(main: HTMLElement): () => void {
  const body = h('div');
  const state = h('p', { class: 'hint', role: 'status' });
  main.append(h('h1', {}, 'Stock'), state, body);
  const draw = async () => {
    const page = await call<{ items: Product[]; total: number }>('/api/products?pageSize=100');
    const low = page.items.filter((p) => p.lowStock).length;
    state.textContent = `${page.total} products, ${low} low on stock.`;
    fill(
      body,
      table(
        'Stock per SKU',
        ['SKU', 'Name', 'Price', 'On hand', 'Reserved', 'Available', 'Stock'],
        page.items.map((p) => [
          p.sku,
          p.name,
          money(p.price),
          p.onHand,
          p.reserved,
          p.available,
          p.lowStock
            ? h('span', { class: 'badge low' }, 'Low stock')
            : h('span', { class: 'badge ok' }, 'OK'),
        ]),
        { id: 'stock-table' },
      ),
    );
  };
  const refresh = () => void draw().catch((err: Error) => (state.textContent = err.message));
  refresh();
  const timer = setInterval(refresh, 5_000);
  return () => clearInterval(timer);
}
