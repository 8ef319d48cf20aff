import { uniqueName } from '../test/support/env';
import { productView, startQueryApiHarness, upsertProduct, type QueryApiHarness } from './testing/harness';

jest.setTimeout(30_000);

/** A retired product (ProductRetired) leaves the shop's lists but still answers by sku. */
const run = uniqueName('qa-retired');
let h: QueryApiHarness;
const onSale = `${run}-on-sale`;
const retired = `${run}-retired`;
const category = `${run}-cat`;

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'));
  await upsertProduct(h.db, productView(onSale, { category, name: `Lamp ${run}` }));
  await upsertProduct(
    h.db,
    productView(retired, {
      category,
      name: `Lamp ${run} old`,
      retired: true,
      retiredAt: '2025-02-01T00:00:00.000Z',
    }),
  );
});
afterAll(() => h?.close());

const get = async (path: string) =>
  (await fetch(`${h.url}${path}`)).json() as Promise<Record<string, unknown>>;
const skus = (page: Record<string, unknown>) => (page.items as { sku: string }[]).map((p) => p.sku);

it('lists and finds only the products on sale', async () => {
  expect(skus(await get(`/api/products?category=${category}`))).toEqual([onSale]);
  expect(skus(await get(`/api/products/search?query=${encodeURIComponent(`Lamp ${run}`)}`))).toEqual([
    onSale,
  ]);
});

it('still serves a retired product by sku, saying it is retired', async () => {
  expect(await get(`/api/products/${retired}`)).toMatchObject({ sku: retired, retired: true });
  expect(await get(`/api/products/${onSale}`)).toMatchObject({ sku: onSale, retired: false });
});
