import { existsSync } from 'node:fs';
import { ConfigError } from '../lib/errors';
import { dockerAvailable, startDockerStack } from './docker-stack';
import { type Endpoints, localEndpoints, type StackSettings, stackSettings } from './layout';
import { down, type ServiceName, up } from './local-stack';
import type { Progress } from './progress';
import { jaegerBinary } from './services/jaeger';

export type Source = 'env' | 'docker' | 'local';

export interface FoundInfrastructure {
  endpoints: Endpoints;
  sources: Record<keyof Endpoints, Source>;
  /** Stops whatever this call started (nothing when every server was already there). */
  release(): Promise<void>;
}

const ENV_NAMES: Record<keyof Endpoints, string> = {
  kafkaBrokers: 'KAFKA_BROKERS',
  schemaRegistryUrl: 'SCHEMA_REGISTRY_URL',
  mongodbUri: 'MONGODB_URI',
  redisUrl: 'REDIS_URL',
  prometheusUrl: 'PROMETHEUS_URL',
  jaegerUrl: 'JAEGER_URL',
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
};

const SERVICE_OF: Record<keyof Endpoints, ServiceName> = {
  kafkaBrokers: 'kafka',
  schemaRegistryUrl: 'registry',
  mongodbUri: 'mongo',
  redisUrl: 'redis',
  prometheusUrl: 'prometheus',
  jaegerUrl: 'jaeger',
  otlpEndpoint: 'jaeger',
};

/** The servers the system runs without: found or started when possible, never required. */
const OPTIONAL: readonly (keyof Endpoints)[] = ['prometheusUrl', 'jaegerUrl', 'otlpEndpoint'];

const KEYS = Object.keys(ENV_NAMES) as (keyof Endpoints)[];

/**
 * DESIGN §8, in order: endpoints from the environment; else Docker through testcontainers;
 * else the local stack this project provisions. Each server is found on its own, so a user
 * may point at their own Kafka and let the project run the rest.
 * ORDERSTREAM_INFRA=local|docker forces the second step.
 */
export const findInfrastructure = async (
  progress: Progress,
  env: NodeJS.ProcessEnv = process.env,
  settings: StackSettings = stackSettings(env),
): Promise<FoundInfrastructure> => {
  const endpoints: Partial<Endpoints> = {};
  const sources: Partial<Record<keyof Endpoints, Source>> = {};
  for (const key of KEYS) {
    const value = env[ENV_NAMES[key]];
    if (value) {
      endpoints[key] = value;
      sources[key] = 'env';
    }
  }
  // Prometheus has no Docker path here and the system runs without it: see observe() below.
  const missing = KEYS.filter((k) => endpoints[k] === undefined && !OPTIONAL.includes(k));
  const releases: (() => Promise<void>)[] = [];

  const forced = env.ORDERSTREAM_INFRA;
  if (forced !== undefined && forced !== '' && forced !== 'local' && forced !== 'docker') {
    throw new ConfigError('ORDERSTREAM_INFRA', `must be "local" or "docker", got "${forced}"`);
  }
  if (missing.length > 0) {
    const useDocker = forced === 'docker' || (forced !== 'local' && (await dockerAvailable(env)));
    if (useDocker) {
      const docker = await startDockerStack(Object.fromEntries(missing.map((k) => [k, true])), progress, env);
      releases.push(docker.stop);
      for (const key of missing) {
        endpoints[key] = docker.endpoints[key];
        sources[key] = 'docker';
      }
    } else {
      const names = missing.map((k) => SERVICE_OF[k]);
      const started = await up(settings, progress, names);
      if (started.length > 0) releases.push(() => down(settings, progress, started));
      const local = localEndpoints(settings);
      for (const key of missing) {
        endpoints[key] = local[key];
        sources[key] = 'local';
      }
    }
  }
  if (endpoints.prometheusUrl === undefined) {
    try {
      const started = await up(settings, progress, ['prometheus']);
      if (started.length > 0) releases.push(() => down(settings, progress, started));
      endpoints.prometheusUrl = localEndpoints(settings).prometheusUrl;
      sources.prometheusUrl = 'local';
    } catch (err) {
      // Metrics stay on every /metrics endpoint; only the scraper is missing, so say so and go on.
      progress.fail('prometheus', `${(err as Error).message}; continuing without Prometheus`);
    }
  }
  const tracing = env.ORDERSTREAM_TRACING ?? 'auto';
  if (tracing !== 'auto' && tracing !== 'on' && tracing !== 'off') {
    throw new ConfigError('ORDERSTREAM_TRACING', `must be "auto", "on" or "off", got "${tracing}"`);
  }
  // Jaeger takes minutes to build the first time: `auto` starts it only once it is built
  // (`npm run stack -- up jaeger` builds it), `on` builds it if needed (the tests do).
  const jaegerWanted = tracing === 'on' || (tracing === 'auto' && existsSync(jaegerBinary(settings.layout)));
  if (endpoints.otlpEndpoint === undefined && jaegerWanted) {
    try {
      const started = await up(settings, progress, ['jaeger']);
      if (started.length > 0) releases.push(() => down(settings, progress, started));
      const local = localEndpoints(settings);
      endpoints.jaegerUrl ??= local.jaegerUrl;
      endpoints.otlpEndpoint = local.otlpEndpoint;
      sources.jaegerUrl ??= 'local';
      sources.otlpEndpoint = 'local';
    } catch (err) {
      progress.fail('jaeger', `${(err as Error).message}; continuing without traces`);
    }
  }
  return {
    endpoints: endpoints as Endpoints,
    sources: sources as Record<keyof Endpoints, Source>,
    release: async () => {
      for (const r of releases) await r();
    },
  };
};
