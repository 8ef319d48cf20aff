import { uniqueName } from '../test/support/env';
import {
  announceChange,
  orderView,
  readSse,
  startQueryApiHarness,
  upsertOrder,
  type QueryApiHarness,
  type SseEvent,
} from './testing/harness';
import { fetchAs, fetchAsAdmin } from '../test/support/auth';
import { until } from '../test/support/eventually';

jest.setTimeout(30_000);

const run = uniqueName('qa-sse');
const id = (name: string) => `${run}-${name}`;
let h: QueryApiHarness;

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'), { sseHeartbeatMs: 200 });
});
afterAll(() => h?.close());

/** Opens the stream and collects events until it ends; `onEvent` may act on each (publish the next change). */
async function collect(path: string, onEvent: (e: SseEvent, all: SseEvent[]) => Promise<void>, headers = {}) {
  const res = await fetchAsAdmin(`${h.url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: SseEvent[] = [];
  for await (const event of readSse(res.body as ReadableStream<Uint8Array>)) {
    events.push(event);
    await onEvent(event, events);
  }
  return events;
}

const statuses = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'status')
    .map((e) => JSON.parse(e.data as string) as { status: string; version: number });

describe('GET /api/queries/orders/{id}/stream', () => {
  it('sends the current status, then published changes, heartbeats, and ends after a terminal status', async () => {
    const orderId = id('o-1');
    await upsertOrder(h.db, orderView(orderId, { status: 'Placed', version: 2 }));
    let step = 0;
    const events = await collect(`/api/queries/orders/${orderId}/stream`, async (event, all) => {
      if (event.event === 'status' && step === 0) {
        step = 1;
        expect(JSON.parse(event.data as string)).toEqual({
          orderId,
          status: 'Placed',
          version: 2,
          updatedAt: '2025-01-01T10:00:00.000Z',
        });
        expect(event.id).toBe('2');
        await announceChange(h.redis, 'orders', orderId, 3, 'InventoryReserved');
      } else if (event.comment?.startsWith('heartbeat') && step === 1 && statuses(all).length === 2) {
        step = 2;
        // A replayed (older) message must not be sent again.
        await announceChange(h.redis, 'orders', orderId, 3, 'InventoryReserved');
        await announceChange(h.redis, 'orders', orderId, 4, 'Cancelled');
      }
    });
    expect(statuses(events).map((e) => [e.status, e.version])).toEqual([
      ['Placed', 2],
      ['InventoryReserved', 3],
      ['Cancelled', 4],
    ]);
    expect(events.some((e) => e.comment?.startsWith('heartbeat'))).toBe(true);
  });

  it('skips what Last-Event-ID says the client has, and closes at once on a terminal order', async () => {
    const orderId = id('o-2');
    await upsertOrder(h.db, orderView(orderId, { status: 'Completed', version: 7 }));
    const again = await collect(`/api/queries/orders/${orderId}/stream`, async () => undefined, {
      'Last-Event-ID': '7',
    });
    expect(statuses(again)).toEqual([]);
    const fresh = await collect(`/api/queries/orders/${orderId}/stream`, async () => undefined);
    expect(statuses(fresh).map((e) => e.status)).toEqual(['Completed']);
  });

  it('answers 404 for an unknown order before any stream starts', async () => {
    const res = await fetchAsAdmin(`${h.url}/api/queries/orders/${id('none')}/stream`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('releases the order channel when the client goes away', async () => {
    const orderId = id('o-3');
    await upsertOrder(h.db, orderView(orderId, { status: 'Placed', version: 1 }));
    const controller = new AbortController();
    const res = await fetchAsAdmin(`${h.url}/api/queries/orders/${orderId}/stream`, {
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const channel = `orderstream:order:${orderId}`;
    const subscribers = async () => ((await h.redis.pubsub('NUMSUB', channel)) as [string, number])[1];
    expect(await subscribers()).toBe(1);
    controller.abort();
    await until('the channel has no subscriber', async () => (await subscribers()) === 0, 3000);
  });

  it('bounds the streams one client holds, and counts a refused or closed one out again', async () => {
    const orderId = id('o-4');
    await upsertOrder(h.db, orderView(orderId, { status: 'Placed', version: 1 }));
    const asOne = fetchAs('operator', `${run}-busy`);
    const path = `${h.url}/api/queries/orders/${orderId}/stream`;
    // An unknown order is refused before its stream counts.
    for (let i = 0; i < 5; i++)
      expect((await asOne(`${h.url}/api/queries/orders/${id('none')}/stream`)).status).toBe(404);
    const first = new AbortController();
    const rest = new AbortController();
    const open = [await asOne(path, { signal: first.signal })];
    for (let i = 0; i < 3; i++) open.push(await asOne(path, { signal: rest.signal }));
    expect(open.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const fifth = await asOne(path);
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    first.abort(); // one stream closes: the client may open one again
    await until(
      'a stream opens after one closed',
      async () => {
        const res = await asOne(path, { signal: rest.signal });
        return res.status === 200;
      },
      5000,
    );
    rest.abort();
  });
});
