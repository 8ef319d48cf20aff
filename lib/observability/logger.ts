import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { correlationFields, currentCorrelation } from './correlation-context';
import type { LogRingBuffer } from './log-ring-buffer';
import { traceFields } from './tracing';

// Re-exported so services import the logging API from one place; the store itself lives in
// correlation-context.ts because Kafka code needs it without pulling in pino.
export { withCorrelation, currentCorrelation, type CorrelationContext } from './correlation-context';
export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: LevelWithSilent;
  /** Where JSON lines go; stdout unless given (tests pass a collecting stream). */
  destination?: DestinationStream;
  /** Receives a copy of every line, for `GET /api/diagnostics/logs`. */
  recentLogs?: LogRingBuffer;
}

/**
 * The root logger of one service. Every line carries `service` and, when logged inside
 * `withCorrelation`, the correlation/causation/command ids (and inside a traced span, the trace
 * and span ids), so one grep (or the ring buffer)
 * follows a request across services without each call site passing ids around.
 */
export function createLogger({ service, level = 'info', destination, recentLogs }: LoggerOptions): Logger {
  // Synchronous stdout: the last lines before a crash are the ones worth having.
  const primary = destination ?? pino.destination({ dest: 1, sync: true });
  // Streams accept everything ('trace'); the logger's own level is the only filter, so
  // `logger.level = 'debug'` at runtime reaches both stdout and the ring buffer.
  const stream = recentLogs
    ? pino.multistream([
        { level: 'trace', stream: primary },
        { level: 'trace', stream: recentLogs },
      ])
    : primary;

  return pino(
    {
      level,
      base: { service, pid: process.pid },
      // ISO time and string levels: the ring buffer is read by humans through the API.
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...correlationFields(currentCorrelation()), ...traceFields() }),
    },
    stream,
  );
}
