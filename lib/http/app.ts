import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/token-verifier';
import type { Metrics } from '../observability/metrics';
import { authenticate, authorize } from './access-control';
import { correlation } from './correlation';
import { diagnosticsRouter, type DiagnosticsOptions } from './diagnostics';
import { errorHandler } from './errors-middleware';
import { healthRouter, type Health } from './health';
import { metricsRouter } from './metrics-route';
import { rateLimit, type RateLimitOptions } from './rate-limit';
import { requestObserver } from './request-observer';
import { serverSpan } from './server-span';
import { consoleCors, securityHeaders } from './security-headers';

/**
 * Who may call the app. `open` serves everyone: only for the simulators (stand-ins for external
 * parties, bound to loopback) and in-process test kits of single routers; every service of ours
 * verifies tokens.
 */
export type HttpAccess =
  | 'open'
  | {
      verifier: TokenVerifier;
      /** Without it requests are not limited (processors' ops ports, benchmarks). */
      rateLimit?: Omit<RateLimitOptions, 'logger' | 'metrics'>;
    };

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: Metrics;
  health: Health;
  /** Mounts `/api/diagnostics/*` and `/api/resilience/state`; omit only in throwaway tools. */
  diagnostics?: Omit<DiagnosticsOptions, 'service' | 'metrics' | 'health'>;
  routers: Router[];
  access: HttpAccess;
  /** The console's origin, the only one CORS answers; none by default. */
  corsOrigin?: string;
  /**
   * Load shedding (admission control for new work): runs inside the error handler, so a refusal
   * is problem+json with its Retry-After, but before the token is read, so under overload a
   * refused request costs a path check, not a signature verification and the rate limiter's
   * round trip to Redis.
   */
  loadShedding?: Middleware[];
}

/**
 * A Koa app with the middleware every service shares, in an order that matters:
 * the request's span and correlation first (so everything after, including error logs, carries
 * the trace and the id), then timing and
 * request logging (so they see the final status), then security headers and CORS (so errors carry
 * them too), then the error handler, then authentication, rate limiting and authorization (so their
 * refusals are problem+json and refused tokens still spend budget), then the routes.
 */
export function createHttpApp({
  service,
  logger,
  metrics,
  health,
  diagnostics,
  routers,
  access,
  corsOrigin,
  loadShedding = [],
}: HttpAppOptions): Koa {
  const app = new Koa();
  // Koa's default error listener prints to stderr; ours keeps errors in the JSON log stream.
  app.silent = true;
  app.on('error', (err: unknown) => logger.error({ err }, 'unhandled HTTP error'));

  app.use(serverSpan());
  app.use(correlation());
  app.use(requestObserver({ logger, metrics }));
  app.use(securityHeaders());
  if (corsOrigin !== undefined) app.use(consoleCors(corsOrigin));
  app.use(errorHandler({ logger }));
  for (const middleware of loadShedding) app.use(middleware);
  if (access !== 'open') {
    app.use(authenticate(access.verifier));
    if (access.rateLimit) app.use(rateLimit({ ...access.rateLimit, logger, metrics }));
    app.use(authorize());
  }

  const mounted = [healthRouter(health), metricsRouter(metrics), ...routers];
  if (diagnostics) mounted.push(diagnosticsRouter({ ...diagnostics, service, metrics, health }));
  for (const router of mounted) app.use(router.routes());
  return app;
}

export interface HttpServerHandle {
  readonly server: Server;
  readonly port: number;
  /** Base URL for clients and tests, e.g. `http://127.0.0.1:40213`. */
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
  close(): Promise<void>;
}

/** Starts the app; port 0 picks a free port (tests). Resolves once the port is bound. */
export function listen(
  app: Koa,
  port: number,
  host?: string,
  { graceMs = 5000 }: { graceMs?: number } = {},
): Promise<HttpServerHandle> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const hostForUrl =
        address.address === '::' || address.address === '0.0.0.0'
          ? 'localhost'
          : address.family === 'IPv6'
            ? `[${address.address}]`
            : address.address;
      let closing: Promise<void> | undefined;
      resolve({
        server,
        port: address.port,
        url: `http://${hostForUrl}:${address.port}`,
        close() {
          closing ??= new Promise<void>((done, fail) => {
            // Long-lived responses (SSE) would hold `close()` forever; after the grace period
            // they are cut, and clients reconnect to another instance.
            const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
            cutOff.unref();
            server.close((err) => {
              clearTimeout(cutOff);
              if (err) fail(err);
              else done();
            });
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}
