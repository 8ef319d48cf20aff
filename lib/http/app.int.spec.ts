import Router from '@koa/router';
import { DependencyError, InvalidStateError, NotFoundError, VersionConflictError } from '../errors';
import { currentCorrelation } from '../observability/correlation-context';
import { readJsonBody } from './json-body';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { compileQueryValidator } from './query-validation';
import { startTestApp, type TestApp } from './testing';
import { compileValidator } from '../validation';

interface CreateThing {
  name: string;
  items: { sku: string; quantity: number }[];
}

const createThing = compileValidator<CreateThing>({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'items'],
  properties: {
    name: { type: 'string', minLength: 1 },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity'],
        properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
      },
    },
  },
});

const listThings = compileQueryValidator<{ status?: string; page?: number }>({
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['Draft', 'Placed'] },
    page: { type: 'integer', minimum: 1 },
  },
});

function thingsRouter(): Router {
  const router = new Router();
  router.post('/api/things', async (ctx) => {
    const thing = createThing.validate(await readJsonBody(ctx));
    ctx.status = 201;
    ctx.body = { created: thing.name, correlationId: currentCorrelation()?.correlationId };
  });
  router.post('/api/things/:id/place', async (ctx) => {
    ctx.body = { body: await readJsonBody(ctx, { allowEmpty: true }) };
  });
  router.get('/api/things', (ctx) => {
    ctx.body = listThings.validate(ctx.query);
  });
  router.get('/api/things/:id', (ctx) => {
    switch (ctx.params.id) {
      case 'missing':
        throw new NotFoundError('thing missing does not exist');
      case 'conflict':
        throw new VersionConflictError('conflict', 2, 5);
      case 'forbidden':
        throw new InvalidStateError('cannot ship a draft', 3);
      case 'down':
        throw new DependencyError('mongodb', 'connect ECONNREFUSED 10.0.0.7:27017');
      case 'boom':
        throw new Error('secret internal detail');
      default:
        ctx.body = { id: ctx.params.id };
    }
  });
  return router;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ routers: [thingsRouter()] });
});
afterAll(() => app.close());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
  return body;
}

describe('request bodies', () => {
  it('accepts a valid body', async () => {
    const res = await post('/api/things', JSON.stringify({ name: 'a', items: [{ sku: 'S', quantity: 1 }] }));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ created: 'a' });
  });

  it('lists every invalid field with its path', async () => {
    const res = await post('/api/things', JSON.stringify({ items: [{ sku: 'S', quantity: 0 }, { sku: 7 }] }));
    const body = await expectProblem(res, 400);
    expect(body.type).toBe('urn:orderstream:problem:validation-failed');
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'is required' },
        { field: 'items[0].quantity', message: 'must be >= 1' },
        { field: 'items[1].quantity', message: 'is required' },
        { field: 'items[1].sku', message: 'must be string' },
      ]),
    );
    expect(body.errors).toHaveLength(4);
  });

  it('names unknown fields', async () => {
    const res = await post('/api/things', JSON.stringify({ name: 'a', items: [], colour: 'red' }));
    const body = await expectProblem(res, 400);
    expect(body.errors).toEqual([{ field: 'colour', message: 'unknown field' }]);
  });

  it('names fields of the wrong type', async () => {
    const res = await post('/api/things', JSON.stringify({ name: 42, items: 'none' }));
    const body = await expectProblem(res, 400);
    expect(body.errors).toEqual([
      { field: 'name', message: 'must be string' },
      { field: 'items', message: 'must be array' },
    ]);
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const res = await post('/api/things', JSON.stringify({ name: 'x'.repeat(70 * 1024), items: [] }));
    const body = await expectProblem(res, 413);
    expect(body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a chunked body over the limit with 413', async () => {
    const chunk = new TextEncoder().encode(`{"name":"${'y'.repeat(40 * 1024)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(`${app.url}/api/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(res, 413);
  });

  it('refuses other media types with 415', async () => {
    const res = await post('/api/things', 'name=a', { 'content-type': 'application/x-www-form-urlencoded' });
    const body = await expectProblem(res, 415);
    expect(body.detail).toContain('application/json');
  });

  it('answers malformed JSON with 400 naming the position', async () => {
    const res = await post('/api/things', '{"name": "a",\n "items": [1,]}');
    const body = await expectProblem(res, 400);
    expect(body.code).toBe('MALFORMED_JSON');
    expect(body.position).toBe(27);
    expect(body.detail).toContain('position 27 (line 2, column 14)');
  });

  it('refuses an empty body unless the route allows it', async () => {
    await expectProblem(await post('/api/things', ''), 400);
    const res = await fetch(`${app.url}/api/things/t1/place`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: {} });
  });
});

describe('routing and error mapping', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const res = await fetch(`${app.url}/nope/nothing`);
    const body = await expectProblem(res, 404);
    expect(body.instance).toBe('/nope/nothing');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const res = await fetch(`${app.url}/api/things`, { method: 'DELETE' });
    await expectProblem(res, 405);
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('maps domain errors through the status table', async () => {
    await expectProblem(await fetch(`${app.url}/api/things/missing`), 404);
    const conflict = await expectProblem(await fetch(`${app.url}/api/things/conflict`), 409);
    expect(conflict.currentVersion).toBe(5);
    const forbidden = await expectProblem(await fetch(`${app.url}/api/things/forbidden`), 409);
    expect(forbidden).toMatchObject({ currentVersion: 3, detail: 'cannot ship a draft' });
  });

  it('never leaks the message of a dependency failure or an unknown error', async () => {
    const down = await expectProblem(await fetch(`${app.url}/api/things/down`), 503);
    expect(JSON.stringify(down)).not.toContain('10.0.0.7');
    const boom = await expectProblem(await fetch(`${app.url}/api/things/boom`), 500);
    expect(JSON.stringify(boom)).not.toContain('secret');
    const logged = app.logLines.find((l) => l.msg === 'request failed' && l.status === 500);
    expect(logged).toMatchObject({ level: 'error', correlationId: boom.correlationId });
    expect(JSON.stringify(logged)).toContain('secret internal detail');
  });
});

describe('correlation id', () => {
  it('echoes a valid incoming id and makes it current in handlers', async () => {
    const res = await post('/api/things', '{"name":"a","items":[]}', { 'x-correlation-id': 'abc-123:x.y_z' });
    expect(res.headers.get('x-correlation-id')).toBe('abc-123:x.y_z');
    expect(await res.json()).toMatchObject({ correlationId: 'abc-123:x.y_z' });
  });

  it('generates one when absent, also on error responses', async () => {
    const res = await fetch(`${app.url}/nope`);
    const id = res.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await res.json()) as { correlationId: string }).correlationId).toBe(id);
  });

  it.each(['has spaces', 'x'.repeat(129), 'semi;colon', 'ünïcode'])('replaces invalid id %j', async (bad) => {
    const res = await fetch(`${app.url}/api/things/t1`, { headers: { 'x-correlation-id': encodeURI(bad) } });
    const id = res.headers.get('x-correlation-id');
    expect(id).not.toBe(encodeURI(bad));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('query strings', () => {
  const get = (qs: string) => fetch(`${app.url}/api/things?${qs}`);

  it('coerces valid parameters', async () => {
    const res = await get('status=Placed&page=2');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'Placed', page: 2 });
  });

  it.each([
    ['status[$ne]=x', 'status[$ne]'],
    ['$where=sleep(1000)', '$where'],
    ['status=%24ne', 'status'],
    ['colour=red', 'colour'],
    ['page=zero', 'page'],
    ['status=Draft&status=Placed', 'status'],
  ])('rejects %s naming %s', async (qs, field) => {
    const body = await expectProblem(await get(qs), 400);
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });
});

describe('metrics', () => {
  it('times requests by route template, never the raw path', async () => {
    await fetch(`${app.url}/api/things/abc-42`);
    await fetch(`${app.url}/random/probe/path`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toContain('# TYPE orderstream_http_request_duration_seconds histogram');
    expect(text).toMatch(
      /orderstream_http_request_duration_seconds_count\{[^}]*method="GET",route="\/api\/things\/:id",status="200"[^}]*\} \d+/,
    );
    expect(text).toMatch(/route="unmatched",status="404"/);
    expect(text).not.toContain('abc-42');
    expect(text).not.toContain('/random/probe/path');
  });
});
