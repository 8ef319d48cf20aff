import { Writable } from 'node:stream';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { commandMessage } from '../adapters/kafka/command-protocol';
import { HEADERS } from '../adapters/kafka/headers';
import { withRecordContext } from '../adapters/kafka/record-correlation';
import { createLogger } from './logger';
import { activeTraceContext, inSpan, traceFields, traceHeaders } from './tracing';

/*
 * The Kafka half of tracing is ours (the HTTP, fetch and MongoDB halves are the instrumentations'):
 * a record written inside a span carries it, and the record's handler is that span's child.
 * A real SDK with an in-memory exporter stands in for the OTLP one.
 */
const exporter = new InMemorySpanExporter();
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
});
afterEach(() => exporter.reset());
afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

const command = (id: string) => ({
  type: 'PlaceOrder',
  orderId: id,
  meta: { commandId: `cmd-${id}`, correlationId: `corr-${id}`, issuedAt: '2026-01-01T00:00:00Z' },
});

describe('a trace carried through Kafka records', () => {
  it('puts the writing span on the record and makes the handler its child', async () => {
    const written = inSpan('POST /place', () => commandMessage('o-1', command('o-1')));
    const headers = written.headers as Record<string, string>;
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(headers[HEADERS.correlationId]).toBe('corr-o-1');

    await withRecordContext(headers, 'orders PlaceOrder', async () => {
      await new Promise((r) => setImmediate(r));
      inSpan('POST /payments/capture', () => undefined);
    });

    const [request, call, handler] = exporter.getFinishedSpans();
    expect([request?.name, handler?.name, call?.name]).toEqual([
      'POST /place',
      'orders PlaceOrder',
      'POST /payments/capture',
    ]);
    const traceId = request?.spanContext().traceId;
    expect(handler?.spanContext().traceId).toBe(traceId);
    expect(handler?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(call?.parentSpanContext?.spanId).toBe(handler?.spanContext().spanId);
  });

  it('starts a trace of its own for a record that carries none, and marks a failed handler', async () => {
    await expect(
      withRecordContext({}, 'orders PlaceOrder', async () => {
        throw new Error('decide failed');
      }),
    ).rejects.toThrow('decide failed');
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.status).toMatchObject({ code: 2, message: 'decide failed' });
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('lets a timer resume the trace of the record it saw, without a span of the record', () => {
    const written = inSpan('saga OrderPlaced', () => commandMessage('o-2', command('o-2')));
    const saved = withRecordContext(written.headers, undefined, () => activeTraceContext());
    const later = inSpan('deadline-watcher CancelOrder', () => commandMessage('o-2', command('o-2')), {
      parent: saved,
    });
    const [saga, watcher] = exporter.getFinishedSpans();
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    expect(watcher?.parentSpanContext?.spanId).toBe(saga?.spanContext().spanId);
    expect(String(later.headers?.traceparent)).toContain(watcher?.spanContext().spanId);
  });

  it('writes the trace and span ids on every log line inside a span, and none outside', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ service: 't', destination });
    inSpan('orders PlaceOrder', () => logger.info('inside'));
    logger.info('outside');
    const [span] = exporter.getFinishedSpans();
    expect(lines.map(({ msg, traceId, spanId }) => ({ msg, traceId, spanId }))).toEqual([
      { msg: 'inside', traceId: span?.spanContext().traceId, spanId: span?.spanContext().spanId },
      { msg: 'outside', traceId: undefined, spanId: undefined },
    ]);
    expect(traceFields()).toEqual({});
    expect(traceHeaders()).toEqual({});
  });
});
