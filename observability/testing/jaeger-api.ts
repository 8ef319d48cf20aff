/** The parts of Jaeger's query API (`GET /api/traces`) the trace tests read. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  /** Microseconds since the epoch, and microseconds. */
  startTime: number;
  duration: number;
  tags: { key: string; value: unknown }[];
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** The traces with a span of `service` carrying every one of `tags`, newest first. */
export const findTraces = async (
  jaegerUrl: string,
  service: string,
  tags: Record<string, string>,
): Promise<JaegerTrace[]> => {
  const query = new URLSearchParams({ service, lookback: '1h', limit: '20', tags: JSON.stringify(tags) });
  const res = await fetch(`${jaegerUrl}/api/traces?${query.toString()}`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`Jaeger answered ${res.status} to ${res.url}`);
  return ((await res.json()) as { data: JaegerTrace[] | null }).data ?? [];
};

/** The service that wrote `span`. */
export const serviceOf = (trace: JaegerTrace, span: JaegerSpan): string =>
  trace.processes[span.processID]?.serviceName ?? '?';
