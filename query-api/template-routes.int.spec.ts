import { PROBLEM_CONTENT_TYPE } from '../lib/http/problem';
import { fetchAs, fetchAsAdmin } from '../test/support/auth';
import { uniqueName } from '../test/support/env';
import { startQueryApiHarness, type QueryApiHarness } from './testing/harness';

jest.setTimeout(30_000);

/** The notification templates, listed and previewed as an admin would before changing them. */
const run = uniqueName('qa-templates');
let h: QueryApiHarness;

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'));
});
afterAll(() => h?.close());

const preview = (templateId: string, body: unknown, as: typeof fetch = fetchAsAdmin) =>
  as(`${h.url}/api/admin/notifications/templates/${templateId}/preview`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it('lists every template with its texts, locales and versions', async () => {
  const res = await fetchAsAdmin(`${h.url}/api/admin/notifications/templates`);
  expect(res.status).toBe(200);
  const { items } = (await res.json()) as {
    items: { templateId: string; trigger: string; texts: { locale: string; version: number }[] }[];
  };
  expect(items.map((t) => t.templateId)).toContain('low-stock');
  const placed = items.find((t) => t.templateId === 'order-placed');
  expect(placed?.trigger).toBe('OrderPlaced');
  expect(placed?.texts.map((t) => t.locale)).toEqual(expect.arrayContaining(['en', 'de']));
});

it('renders a template for a channel and locale, saying which text it took', async () => {
  const params = { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T-1' };
  const german = await preview('order-shipped', { params, channel: 'email', locale: 'de-CH' });
  expect(german.status).toBe(200);
  expect(await german.json()).toEqual({
    templateId: 'order-shipped',
    subject: 'Bestellung o-1 ist unterwegs',
    body: 'Bestellung o-1 wurde mit DHL verschickt, Sendungsnummer T-1.',
    version: 1,
    locale: 'de',
  });
  const sms = await preview('order-placed', {
    params: { orderId: 'o-2', total: '5.00 EUR' },
    channel: 'sms',
  });
  expect(await sms.json()).toMatchObject({ body: 'Order o-2 (5.00 EUR) placed. Thank you!', channel: 'sms' });
});

it('names a missing param (400), answers 404 for an unknown template, 403 to a customer', async () => {
  const missing = await preview('order-shipped', { params: { orderId: 'o-1' } });
  expect(missing.status).toBe(400);
  expect(missing.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const problem = (await missing.json()) as { errors: { field: string }[] };
  expect(problem.errors.map((e) => e.field)).toEqual(['params.carrier', 'params.trackingNumber']);
  expect((await preview('order-lost', {})).status).toBe(404);
  expect((await preview('order-placed', { channel: 'fax' })).status).toBe(400);
  expect((await preview('order-placed', {}, fetchAs('customer', 'c-1'))).status).toBe(403);
});
