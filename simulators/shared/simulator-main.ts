import type Koa from 'koa';
import { envVar, readConfig, type ConfigOf, type ConfigSpec, type Env } from '../../lib/config/env';
import { ConfigError } from '../../lib/errors';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import type { LogRingBuffer } from '../../lib/observability/log-ring-buffer';
import type { Logger } from '../../lib/observability/logger';
import type { Metrics } from '../../lib/observability/metrics';
import { logLevelConfigSpec, serviceTelemetry, stopOnSignal } from '../../lib/process/service-process';

/** PORT=0 picks a free port (tests); the bound URL is in the "simulator listening" log line. */
export const simulatorConfigSpec = (defaultPort: number) => ({
  PORT: envVar.int({ default: defaultPort, min: 0, max: 65535 }),
  // Loopback by default: these are test doubles with unauthenticated admin routes.
  HOST: envVar.string({ default: '127.0.0.1' }),
  ...logLevelConfigSpec,
});

export const LISTENING_MESSAGE = 'simulator listening';

export type SimulatorConfig = ConfigOf<ReturnType<typeof simulatorConfigSpec>>;

export interface SimulatorProcessKit {
  logger: Logger;
  recentLogs: LogRingBuffer;
  metrics: Metrics;
}

/**
 * Process entry shared by the simulators: config once (every bad variable reported, then exit 1),
 * logger, app, port, and a graceful stop on SIGTERM/SIGINT.
 */
export async function runSimulator<E extends ConfigSpec>({
  service,
  defaultPort,
  extraSpec,
  env,
  create,
}: {
  service: string;
  defaultPort: number;
  extraSpec: E;
  env: Env;
  create: (config: SimulatorConfig & ConfigOf<E>, kit: SimulatorProcessKit) => Koa;
}): Promise<HttpServerHandle | undefined> {
  let config: SimulatorConfig & ConfigOf<E>;
  try {
    config = readConfig(env, { ...simulatorConfigSpec(defaultPort), ...extraSpec }) as SimulatorConfig &
      ConfigOf<E>;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${service}: ${err.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
  const { recentLogs, logger, metrics } = serviceTelemetry(service, config.LOG_LEVEL);
  const app = create(config, { logger, recentLogs, metrics });
  const server = await listen(app, config.PORT, config.HOST, { graceMs: 1000 });
  logger.info({ url: server.url, port: server.port }, LISTENING_MESSAGE);

  stopOnSignal(logger, () => server.close());
  return server;
}
