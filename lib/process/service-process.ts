import type { Logger } from 'pino';
import { envVar } from '../config/env';
import { createLogRingBuffer, type LogRingBuffer } from '../observability/log-ring-buffer';
import { createLogger } from '../observability/logger';
import { createMetrics, type Metrics } from '../observability/metrics';
import { exitWithParent } from './exit-with-parent';

/**
 * What every service process does the same way (command API, query API, processors,
 * projections): the log level it reads, its logs and metrics, how it stops on a signal, and how
 * a failed start ends the process so its supervisor (npm start, Kubernetes) starts it again.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevelConfigSpec = { LOG_LEVEL: envVar.oneOf(LOG_LEVELS)({ default: 'info' }) };

export interface ServiceTelemetry {
  recentLogs: LogRingBuffer;
  logger: Logger;
  metrics: Metrics;
}

/** Logs (with the ring buffer `/api/diagnostics/logs` reads) and metrics of one service. */
export const serviceTelemetry = (service: string, level: (typeof LOG_LEVELS)[number]): ServiceTelemetry => {
  const recentLogs = createLogRingBuffer();
  return {
    recentLogs,
    logger: createLogger({ service, level, recentLogs }),
    metrics: createMetrics({ service }),
  };
};

/**
 * The first SIGTERM or SIGINT runs `stop` once (stop taking work, finish and commit, leave
 * groups, close clients); the process then exits, 1 if the stop failed.
 */
export const stopOnSignal = (logger: Logger, stop: () => Promise<void>): void => {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
};

/**
 * Runs a service's `main`: it ends with its supervisor (never an orphan), and a start that fails
 * says why on stderr and exits 1 — a client left retrying in the background would otherwise keep
 * a process that never became healthy alive forever.
 */
export const runService = (service: string, main: () => Promise<void>): void => {
  exitWithParent();
  main().catch((err: unknown) => {
    process.stderr.write(`${service} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
};
