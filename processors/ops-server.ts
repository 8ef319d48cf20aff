import type { Kafka } from '../lib/adapters/kafka/types';
import type { TokenVerifier } from '../lib/auth/token-verifier';
import type { Logger } from 'pino';
import { createHttpApp, listen, type HttpServerHandle } from '../lib/http/app';
import { createHealth, type HealthCheck } from '../lib/http/health';
import type { FailureInjector } from '../lib/observability/failure-injector';
import type { LogRingBuffer } from '../lib/observability/log-ring-buffer';
import type { Metrics } from '../lib/observability/metrics';
import type { ResilienceRegistry } from '../lib/observability/resilience-registry';
import { stopOnSignal } from '../lib/process/service-process';

export interface OpsServerOptions {
  service: string;
  kafka: Kafka;
  logger: Logger;
  metrics: Metrics;
  recentLogs: LogRingBuffer;
  failures: FailureInjector;
  resilience: ResilienceRegistry;
  state: () => unknown;
  /** Checks beside Kafka's, e.g. that every owned partition is restored. */
  checks?: HealthCheck[];
  port: number;
  host: string;
  /** Diagnostics and failure injection answer admins only. */
  verifier: TokenVerifier;
  corsOrigin?: string;
  /** Stops the work; the server and the Kafka admin are closed after it. */
  stop: () => Promise<void>;
}

/**
 * What every processor process serves beside its work (DESIGN §7 "every service"): health with
 * a Kafka check, metrics, diagnostics and the breakers' state; and a graceful stop on
 * SIGTERM/SIGINT.
 */
export const startOpsServer = async (options: OpsServerOptions): Promise<HttpServerHandle> => {
  const { service, kafka, logger, metrics } = options;
  const admin = kafka.admin();
  await admin.connect();
  const health = createHealth({
    checks: [
      { name: 'kafka', check: async () => void (await admin.describeCluster()) },
      ...(options.checks ?? []),
    ],
  });
  const app = createHttpApp({
    service,
    logger,
    metrics,
    health,
    routers: [],
    access: { verifier: options.verifier },
    corsOrigin: options.corsOrigin,
    diagnostics: {
      recentLogs: options.recentLogs,
      failures: options.failures,
      resilience: options.resilience,
      state: options.state,
    },
  });
  const server = await listen(app, options.port, options.host);
  health.markStarted();
  logger.info({ url: server.url }, `${service} running`);

  stopOnSignal(logger, async () => {
    await options.stop().catch((err: unknown) => logger.error({ err }, 'stop failed'));
    await admin.disconnect().catch(() => {});
    await server.close();
  });
  // Closing the handle (tests) also lets go of the health probe's Kafka admin.
  return {
    ...server,
    close: async () => {
      await server.close();
      await admin.disconnect().catch(() => {});
    },
  };
};
