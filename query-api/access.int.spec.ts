import { generateKeyPair, SignJWT } from 'jose';
import { PROBLEM_CONTENT_TYPE } from '../lib/http/problem';
import { fetchAs, testAuth } from '../test/support/auth';
import { uniqueName } from '../test/support/env';
import {
  orderView,
  readSse,
  startQueryApiHarness,
  upsertOrder,
  type QueryApiHarness,
} from './testing/harness';

jest.setTimeout(30_000);

/**
 * Who may read what on the query API, against real MongoDB and Redis: tokens (401), roles (403),
 * a customer's own orders only (404 for someone else's, over HTTP and SSE), a bounded number of
 * streams per client, and the security headers on every kind of response.
 */
const run = uniqueName('qa-access');
const id = (name: string) => `${run}-${name}`;
let h: QueryApiHarness;

const ALICE = id('alice');
const BOB = id('bob');
const aliceOrder = id('o-alice');
const bobOrder = id('o-bob');

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${h.url}${path}`, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  h = await startQueryApiHarness(run.replace(/-/g, '_'), {
    sseMaxStreamsPerClient: 2,
    corsOrigin: 'https://console.example',
  });
  await upsertOrder(h.db, orderView(aliceOrder, { customerId: ALICE, status: 'Placed', version: 2 }));
  await upsertOrder(h.db, orderView(bobOrder, { customerId: BOB, status: 'Placed', version: 2 }));
});
afterAll(() => h?.close());

async function expectProblem(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as { status: number; code?: string; detail: string; type: string };
  expect(body.status).toBe(status);
  if (code !== undefined) expect(body.code).toBe(code);
  return body;
}

describe('authentication (401)', () => {
  const path = () => `/api/queries/orders/${aliceOrder}`;

  it('answers a request without a token with the bare Bearer challenge', async () => {
    const res = await get(path());
    await expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orderstream"');
  });

  it.each([
    [
      'a token signed by another key',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'ES256' })
          .setSubject('mallory')
          .setIssuer('orderstream-local')
          .setAudience('orderstream')
          .setExpirationTime('1h')
          .sign(privateKey);
      },
    ],
    [
      'an expired token',
      async () =>
        (await testAuth()).token('admin', 'late', {
          now: Math.floor(Date.now() / 1000) - 7200,
          ttlSeconds: 3600,
        }),
    ],
    [
      'a token for another audience',
      async () => (await testAuth()).token('admin', 'x', { audience: 'someone-else' }),
    ],
    [
      'a token from another issuer',
      async () => (await testAuth()).token('admin', 'x', { issuer: 'evil-issuer' }),
    ],
    ['a malformed token', async () => 'not.a.jwt'],
  ])('refuses %s with error="invalid_token"', async (_what, make) => {
    const res = await get(path(), bearer(await make()));
    await expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orderstream", error="invalid_token"');
  });

  it('serves the public routes without a token', async () => {
    for (const path of ['/health/live', '/metrics', '/openapi.json', '/docs', '/api/products']) {
      expect({ path, status: (await get(path)).status }).toEqual({ path, status: 200 });
    }
  });
});

describe('roles (403)', () => {
  it.each([
    ['customer', '/api/queries/inventory/BOOK-0001'],
    ['customer', '/api/admin/projections/replay/job-1'],
    ['customer', '/api/diagnostics/state'],
    ['customer', '/api/resilience/state'],
    ['operator', '/api/admin/projections/replay/job-1'],
    ['operator', '/api/diagnostics/state'],
  ] as const)('refuses a %s on %s', async (role, path) => {
    const res = await fetchAs(role)(`${h.url}${path}`);
    await expectProblem(res, 403, 'FORBIDDEN');
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="orderstream", error="insufficient_scope"',
    );
  });

  it('lets operators read every order and admins reach diagnostics', async () => {
    expect((await fetchAs('operator')(`${h.url}/api/queries/orders/${bobOrder}`)).status).toBe(200);
    expect((await fetchAs('admin')(`${h.url}/api/diagnostics/state`)).status).toBe(200);
  });
});

describe("a customer's own orders only", () => {
  const asAlice = fetchAs('customer', ALICE);

  it("answers another customer's order exactly as an unknown one (404)", async () => {
    expect((await asAlice(`${h.url}/api/queries/orders/${aliceOrder}`)).status).toBe(200);
    const foreign = await expectProblem(
      await asAlice(`${h.url}/api/queries/orders/${bobOrder}`),
      404,
      'NOT_FOUND',
    );
    const unknown = await expectProblem(
      await asAlice(`${h.url}/api/queries/orders/${id('nope')}`),
      404,
      'NOT_FOUND',
    );
    expect(foreign.type).toBe(unknown.type);
    expect(foreign.detail.replace(bobOrder, '<id>')).toBe(unknown.detail.replace(id('nope'), '<id>'));
  });

  it("refuses another customer's stream with 404 and serves the customer's own", async () => {
    await expectProblem(await asAlice(`${h.url}/api/queries/orders/${bobOrder}/stream`), 404, 'NOT_FOUND');
    const controller = new AbortController();
    const own = await asAlice(`${h.url}/api/queries/orders/${aliceOrder}/stream`, {
      signal: controller.signal,
    });
    expect(own.status).toBe(200);
    const first = await readSse(own.body as ReadableStream<Uint8Array>).next();
    expect(first.value).toBeDefined();
    controller.abort();
  });

  it('filters the list to the customer, and refuses to list someone else', async () => {
    const mine = (await (await asAlice(`${h.url}/api/queries/orders?pageSize=100`)).json()) as {
      items: { customerId: string }[];
    };
    expect(mine.items.length).toBeGreaterThan(0);
    expect(new Set(mine.items.map((o) => o.customerId))).toEqual(new Set([ALICE]));
    await expectProblem(await asAlice(`${h.url}/api/queries/orders?customerId=${BOB}`), 403, 'FORBIDDEN');
    const all = (await (await fetchAs('operator')(`${h.url}/api/queries/orders?pageSize=100`)).json()) as {
      items: { customerId: string }[];
    };
    expect(new Set(all.items.map((o) => o.customerId))).toEqual(new Set([ALICE, BOB]));
  });
});

describe('streams per client', () => {
  it('refuses a stream beyond the cap with 429 and accepts one again once a stream closed', async () => {
    const asCarol = fetchAs('admin', id('carol'));
    const path = `${h.url}/api/queries/orders/${aliceOrder}/stream`;
    const open = [new AbortController(), new AbortController()];
    for (const controller of open) {
      expect((await asCarol(path, { signal: controller.signal })).status).toBe(200);
    }
    const refused = await asCarol(path);
    await expectProblem(refused, 429, 'TOO_MANY_STREAMS');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another client is not affected by Carol's streams.
    const other = new AbortController();
    expect((await fetchAs('admin', id('dave'))(path, { signal: other.signal })).status).toBe(200);
    other.abort();

    open[0]?.abort();
    const deadline = Date.now() + 5000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      const controller = new AbortController();
      const res = await asCarol(path, { signal: controller.signal });
      status = res.status;
      if (status === 200) open.push(controller);
      else await res.body?.cancel();
    }
    expect(status).toBe(200);
    for (const controller of open) controller.abort();
  });
});

describe('security headers and CORS', () => {
  const expectSecurityHeaders = (res: Response) => {
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('content-security-policy')).toBeTruthy();
  };

  it('sends them on a normal, an error and a public response', async () => {
    const normal = await fetchAs('admin')(`${h.url}/api/queries/orders/${aliceOrder}`);
    expect(normal.status).toBe(200);
    expectSecurityHeaders(normal);
    expect(normal.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    const error = await fetchAs('admin')(`${h.url}/api/queries/orders/${id('missing')}`);
    expect(error.status).toBe(404);
    expectSecurityHeaders(error);
    const refused = await get(`/api/queries/orders/${aliceOrder}`);
    expect(refused.status).toBe(401);
    expectSecurityHeaders(refused);
    const pub = await get('/health/live');
    expectSecurityHeaders(pub);
  });

  it('keeps the docs page its own policy, which lets its inline styles render', async () => {
    const docs = await get('/docs');
    expectSecurityHeaders(docs);
    expect(docs.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
  });

  it('answers CORS for the console origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${h.url}/api/queries/orders/${aliceOrder}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const console = await preflight('https://console.example');
    expect(console.headers.get('access-control-allow-origin')).toBe('https://console.example');
    expect(console.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const stranger = await preflight('https://evil.example');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('failure injection', () => {
  it('is refused, even to an admin, when the deployment did not enable it', async () => {
    const res = await fetchAs('admin')(`${h.url}/api/diagnostics/simulate-failure`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: '*', mode: 'error' }),
    });
    await expectProblem(res, 403, 'FAILURE_INJECTION_DISABLED');
    await expect(h.api.failures.before('mongodb')).resolves.toBeUndefined();
  });
});
