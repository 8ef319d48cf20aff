import { fetchAs } from '../test/support/auth';
import { uniqueName } from '../test/support/env';
import {
  announceChange,
  readSse,
  startQueryApiHarness,
  type QueryApiHarness,
  type SseEvent,
} from './testing/harness';

jest.setTimeout(30_000);

const run = uniqueName('qa-feed');
const id = (name: string) => `${run}-${name}`;
let h: QueryApiHarness;

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'), { sseHeartbeatMs: 200, sseMaxStreamsPerClient: 2 });
});
afterAll(() => h?.close());

const changesOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'change')
    .map(
      (e) => JSON.parse(e.data as string) as { view: string; id: string; version: number; status?: string },
    );

describe('GET /api/queries/feed', () => {
  it("streams the changes of the view asked for, as they are announced, and only this test's", async () => {
    const controller = new AbortController();
    const res = await fetchAs('operator', `${run}-op`)(`${h.url}/api/queries/feed?view=orders`, {
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: SseEvent[] = [];
    const mine = () => changesOf(events).filter((c) => c.id.startsWith(run));
    for await (const event of readSse(res.body as ReadableStream<Uint8Array>)) {
      events.push(event);
      // The stream is open (its first comment): announce a product, then two order changes.
      if (event.comment?.includes('feed open')) {
        await announceChange(h.redis, 'products', id('sku'), 1);
        await announceChange(h.redis, 'orders', id('o1'), 2, 'Placed');
        await announceChange(h.redis, 'orders', id('o1'), 3, 'InventoryReserved');
      }
      if (mine().length === 2) break;
    }
    controller.abort();
    expect(mine()).toEqual([
      { view: 'orders', id: id('o1'), version: 2, status: 'Placed' },
      { view: 'orders', id: id('o1'), version: 3, status: 'InventoryReserved' },
    ]);
  });

  it('ends the stream after `limit` changes', async () => {
    const res = await fetchAs('admin')(`${h.url}/api/queries/feed?limit=1`, {
      signal: AbortSignal.timeout(10_000),
    });
    const events: SseEvent[] = [];
    for await (const event of readSse(res.body as ReadableStream<Uint8Array>)) {
      events.push(event);
      if (event.comment?.includes('feed open')) await announceChange(h.redis, 'shipments', id('o2'), 1);
    }
    expect(changesOf(events)).toHaveLength(1);
  });

  it('is for operators and admins, not customers, and bounds the streams one client holds', async () => {
    expect((await fetchAs('customer')(`${h.url}/api/queries/feed`)).status).toBe(403);
    expect((await fetch(`${h.url}/api/queries/feed`)).status).toBe(401);

    const controller = new AbortController();
    const asOne = fetchAs('operator', `${run}-busy`);
    const open = [
      await asOne(`${h.url}/api/queries/feed`, { signal: controller.signal }),
      await asOne(`${h.url}/api/queries/feed`, { signal: controller.signal }),
    ];
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const third = await asOne(`${h.url}/api/queries/feed`);
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Another client is not held back by the first one's streams.
    const other = await fetchAs('operator', `${run}-other`)(`${h.url}/api/queries/feed?limit=1`, {
      signal: controller.signal,
    });
    expect(other.status).toBe(200);
    controller.abort();
  });

  it('refuses parameters it does not know with 400', async () => {
    expect((await fetchAs('admin')(`${h.url}/api/queries/feed?view=secrets`)).status).toBe(400);
    expect((await fetchAs('admin')(`${h.url}/api/queries/feed?limit=0`)).status).toBe(400);
  });
});
