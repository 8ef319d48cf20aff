import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DependencyError } from '../errors';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { createSchemaRegistry } from './schema-registry';

/*
 * A registry that takes a request and never answers must not hold a start-up forever: every
 * request is bounded, and registering (idempotent) is asked again.
 */

const schema = {
  type: 'record',
  name: 'Probe',
  namespace: 'io.orderstream.test',
  fields: [{ name: 'a', type: 'int' }],
};

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );

/** Forwards to the real registry, except the requests `swallow` picks: those are read and never answered. */
const proxyTo = (target: string, swallow: (req: IncomingMessage) => boolean) => {
  const upstream = new URL(target);
  const swallowed: string[] = [];
  const server = createServer((req, res) => {
    if (swallow(req)) {
      swallowed.push(`${req.method} ${req.url}`);
      req.resume();
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  return { server, swallowed };
};

describe('schema registry adapter against a registry that does not answer', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('registers through a registry that swallows the first POST of a version, by asking again', async () => {
    const real = new URL(testEndpoints().schemaRegistryUrl);
    let swallowedOnce = false;
    const proxy = proxyTo(real.origin, (req) => {
      if (swallowedOnce || req.method !== 'POST' || !req.url?.endsWith('/versions')) return false;
      swallowedOnce = true;
      return true;
    });
    servers.push(proxy.server);
    const base = await listen(proxy.server);
    const registry = createSchemaRegistry(`${base}${real.pathname}`, { requestTimeoutMs: 1_000 });

    const subject = `${uniqueName('registry-timeout')}-io.orderstream.test.Probe`;
    const registered = await registry.register(subject, schema);

    expect(proxy.swallowed).toEqual([expect.stringMatching(/^POST .*\/versions$/)]);
    expect(registered).toMatchObject({ subject, version: 1 });
    // The retried registration is the one the registry holds: same id on a direct lookup.
    const direct = createSchemaRegistry(testEndpoints().schemaRegistryUrl);
    await expect(direct.register(subject, schema)).resolves.toEqual(registered);
  });

  it('fails with a retriable dependency error when the registry never answers', async () => {
    const silent = createServer((req) => req.resume());
    servers.push(silent);
    const registry = createSchemaRegistry(`${await listen(silent)}/apis/ccompat/v7`, {
      requestTimeoutMs: 300,
    });

    const failure = await registry
      .register('never-io.orderstream.test.Probe', schema)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).retriable).toBe(true);
  }, 30_000);
});
