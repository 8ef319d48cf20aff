import { PROBLEM_CONTENT_TYPE } from '../lib/http/problem';
import type { PreferencesView } from '../lib/read-models/views';
import { fetchAs } from '../test/support/auth';
import { uniqueName } from '../test/support/env';
import { announceChange, startQueryApiHarness, upsertView, type QueryApiHarness } from './testing/harness';
import { untilPasses } from '../test/support/eventually';

jest.setTimeout(30_000);

/** A customer's notification preferences over real MongoDB and Redis: defaults, choice, access. */
const run = uniqueName('qa-customers');
let h: QueryApiHarness;
const ALICE = `${run}-alice`;
const BOB = `${run}-bob`;
const path = (customerId: string) => `/api/queries/customers/${customerId}/notification-preferences`;
const asAlice = fetchAs('customer', ALICE);

const chosen = (version: number, overrides: Partial<PreferencesView> = {}): PreferencesView => ({
  _id: ALICE,
  customerId: ALICE,
  channels: ['sms', 'push'],
  quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Zurich' },
  locale: 'de-CH',
  version,
  updatedAt: '2025-01-01T10:00:00.000Z',
  ...overrides,
});

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'), { aliasTtlMs: 200 });
});
afterAll(() => h?.close());

it('answers the defaults at version 0 before the customer chose', async () => {
  const res = await fetchAs('customer', BOB)(`${h.url}${path(BOB)}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('etag')).toBe(`"preferences-${BOB}-v0"`);
  expect(await res.json()).toEqual({
    customerId: BOB,
    channels: ['email'],
    quietHours: null,
    locale: 'en',
    version: 0,
  });
});

it("serves the customer's choice with an ETag, 304 when unchanged, and the new one once announced", async () => {
  await upsertView(h.db, 'preferences', chosen(1));
  const first = await asAlice(`${h.url}${path(ALICE)}`);
  expect(first.status).toBe(200);
  expect(first.headers.get('vary')).toContain('Authorization');
  const etag = first.headers.get('etag') as string;
  expect(etag).toBe(`"preferences-${ALICE}-v1"`);
  expect(await first.json()).toMatchObject({ channels: ['sms', 'push'], locale: 'de-CH', version: 1 });
  expect((await asAlice(`${h.url}${path(ALICE)}`, { headers: { 'If-None-Match': etag } })).status).toBe(304);

  await upsertView(h.db, 'preferences', chosen(2, { channels: ['email'], quietHours: null }));
  await announceChange(h.redis, 'preferences', ALICE, 2);
  await untilPasses(async () => {
    const res = await asAlice(`${h.url}${path(ALICE)}`);
    expect(await res.json()).toMatchObject({ channels: ['email'], quietHours: null, version: 2 });
  }, 800);
});

it("refuses another customer's (403), lets an operator read anyone's, and refuses bad input (400)", async () => {
  const other = await asAlice(`${h.url}${path(BOB)}`);
  expect(other.status).toBe(403);
  expect(other.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  expect((await fetchAs('operator')(`${h.url}${path(ALICE)}`)).status).toBe(200);
  expect((await asAlice(`${h.url}${path(ALICE)}?x=1`)).status).toBe(400);
  expect((await fetch(`${h.url}${path(ALICE)}`)).status).toBe(401);
});
