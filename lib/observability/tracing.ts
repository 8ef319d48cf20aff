import {
  context,
  propagation,
  trace,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/**
 * Distributed tracing (DESIGN §9): one order is one trace, from the HTTP request through every
 * processor, external call and read-model write. The spans are made at our own seams rather than
 * by the OpenTelemetry instrumentations, whose require hook made every `require` kafkajs calls
 * per request cost a module resolution (a third of the processors' CPU under load): the HTTP
 * server (lib/http/server-span.ts), the external clients (lib/clients/resilient-http.ts), MongoDB
 * commands (lib/adapters/mongo.ts, from the driver's command monitoring) and Kafka records,
 * through their own headers (`traceparent`, W3C): each record is handled in a span whose parent
 * is the span that wrote it.
 *
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT names an OTLP/HTTP receiver (Jaeger's is :4318); then
 * every helper below is a cheap no-op, so call sites never ask whether tracing is on.
 */

const TRACER = 'orderstream';
const tracer = () => trace.getTracer(TRACER);

export interface Tracing {
  /** Exports what is still buffered; call it before the process exits. */
  shutdown(): Promise<void>;
}

let started: Tracing | undefined;

/**
 * Starts tracing for this process, once, before any span is made: the entry points call it first
 * (bin/role.ts, and tracing-preload.ts for the processes `npm start` supervises).
 */
export const startTracing = (service: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined => {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (started || !endpoint) return started;
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? service }),
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1),
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  started = { shutdown: () => provider.shutdown() };
  return started;
};

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;
type Headers = Record<string, HeaderValue> | undefined;

const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => {
    const value = carrier?.[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/** `traceparent` (and `tracestate`) for the span in progress, to put on a record we write. */
export const traceHeaders = (): Record<string, string> => {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
};

/** The trace context an HTTP request carries (`traceparent`), or none: a new trace. */
export const requestTraceContext = (headers: Record<string, string | string[] | undefined>): Context =>
  propagation.extract(ROOT_CONTEXT, headers, httpHeaderGetter);

const httpHeaderGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

/** The trace context a record carries, or the current one if it carries none. */
export const recordTraceContext = (headers: Headers): Context =>
  propagation.extract(context.active(), headers, headerGetter);

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

const fail = (span: Span, err: unknown): void => {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
};

/**
 * Runs `fn` in a span named `name`, a child of `parent` (default: the current context), ended
 * when `fn` returns or its promise settles; a throw marks the span failed.
 */
export const inSpan = <T>(
  name: string,
  fn: (span: Span) => T,
  { parent = context.active(), kind = SpanKind.INTERNAL, attributes }: SpanOptions = {},
): T => {
  const span = tracer().startSpan(name, { kind, ...(attributes ? { attributes } : {}) }, parent);
  return context.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = fn(span);
    } catch (err) {
      fail(span, err);
      span.end();
      throw err;
    }
    if (!isThenable(result)) {
      span.end();
      return result;
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        fail(span, err);
        span.end();
        throw err;
      },
    ) as T;
  });
};

export interface SpanOptions {
  parent?: Context;
  kind?: SpanKind;
  attributes?: Attributes;
}

/** Handles one Kafka record in a consumer span whose parent is the span that wrote the record. */
export const inRecordSpan = <T>(headers: Headers, name: string, fn: () => T, attributes?: Attributes): T =>
  inSpan(name, fn, {
    parent: recordTraceContext(headers),
    kind: SpanKind.CONSUMER,
    attributes: { 'messaging.system': 'kafka', ...attributes },
  });

/**
 * Starts a span now for work that ends later, outside the call that starts it (a record whose
 * batch is written after every record is folded); the caller ends it.
 */
export const startRecordSpan = (headers: Headers, name: string, attributes?: Attributes): Span =>
  tracer().startSpan(
    name,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka', ...attributes } },
    recordTraceContext(headers),
  );

/** Runs `fn` with `span` as the current span (or as it is, without one). */
export const withinSpan = <T>(span: Span | undefined, fn: () => T): T =>
  span ? context.with(trace.setSpan(context.active(), span), fn) : fn();

/** A span, the child of the current one, that the caller ends. */
export const startSpan = (name: string, options: { kind?: SpanKind; attributes?: Attributes } = {}): Span =>
  tracer().startSpan(name, options);

/** Whether this process exports spans (startTracing found an endpoint). */
export const tracingStarted = (): boolean => started !== undefined;

/** The current context, to resume later (a timer acting for an order keeps the order's trace). */
export const activeTraceContext = (): Context => context.active();

/** Runs `fn` inside a context captured earlier with `activeTraceContext`. */
export const withTraceContext = <T>(saved: Context, fn: () => T): T => context.with(saved, fn);

/** The trace and span ids of the work in progress, for log lines; empty outside a sampled span. */
export const traceFields = (): { traceId?: string; spanId?: string } => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
};
