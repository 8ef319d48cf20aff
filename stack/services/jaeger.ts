import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGoProgram } from '../go';
import type { StackLayout, StackSettings } from '../layout';
import type { LocalService, ServiceContext } from '../service';

/** Jaeger v2 (an OpenTelemetry Collector with Jaeger's storage and UI) from its Go module. */
export const JAEGER_VERSION = 'v1.75.0';
const MODULE = 'github.com/jaegertracing/jaeger';

export const jaegerBinary = (layout: StackLayout): string => join(layout.binDir, `jaeger-${JAEGER_VERSION}`);

/** The UI and query API (`/api/traces`), and where processes send spans (OTLP over HTTP). */
export const jaegerUrl = ({ host, ports }: StackSettings): string => `http://${host}:${ports.jaeger}`;
export const otlpEndpoint = ({ host, ports }: StackSettings): string => `http://${host}:${ports.jaegerOtlp}`;

/**
 * The all-in-one configuration, kept in memory: OTLP/HTTP in, Jaeger's query API and UI out,
 * every other listener of the default configuration left out so two stacks never collide.
 * The query's gRPC port and the health check take the ports after the UI's and OTLP's.
 */
export const jaegerConfig = ({ host, ports }: StackSettings): string => `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: warn

extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: ${host}:${ports.jaegerOtlp + 1}
  jaeger_query:
    storage:
      traces: memory
    http:
      endpoint: ${host}:${ports.jaeger}
    grpc:
      endpoint: ${host}:${ports.jaeger + 1}
  jaeger_storage:
    backends:
      memory:
        memory:
          max_traces: 20000

receivers:
  otlp:
    protocols:
      http:
        endpoint: ${host}:${ports.jaegerOtlp}

processors:
  batch:

exporters:
  jaeger_storage_exporter:
    trace_storage: memory
`;

/**
 * Jaeger as an optional server of the stack: every process sends it spans when
 * OTEL_EXPORTER_OTLP_ENDPOINT names it (npm start does once it runs). Built from source once,
 * which takes minutes, so `npm start` only starts it when it is already built.
 */
export const jaegerService: LocalService = {
  name: 'jaeger',
  startTimeoutMs: 30_000,
  version: () => `Jaeger ${JAEGER_VERSION}`,
  port: (ctx) => ctx.settings.ports.jaeger,

  async provision(ctx) {
    const binary = jaegerBinary(ctx.settings.layout);
    if (existsSync(binary)) return;
    await buildGoProgram(ctx.settings.layout, ctx.progress, {
      name: 'jaeger',
      module: MODULE,
      pkg: `${MODULE}/cmd/jaeger`,
      version: JAEGER_VERSION,
      binary,
    });
  },

  async prepare(ctx) {
    const dir = join(ctx.settings.layout.dataDir, 'jaeger');
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'config.yaml');
    writeFileSync(config, jaegerConfig(ctx.settings));
    return {
      service: 'jaeger',
      command: jaegerBinary(ctx.settings.layout),
      args: ['--config', config],
    };
  },

  async probe(ctx: ServiceContext) {
    const res = await fetch(`${jaegerUrl(ctx.settings)}/api/services`, {
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  },
};
