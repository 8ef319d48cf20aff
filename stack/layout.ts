import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../lib/errors';

/**
 * Where the local stack keeps what it provisions and runs. Everything lives outside the
 * repository (default ~/.cache/orderstream) so a fresh clone reuses a warm cache.
 */
export interface StackLayout {
  cacheDir: string;
  binDir: string;
  dataDir: string;
  logDir: string;
  runDir: string;
  toolDir: string;
}

export interface StackPorts {
  kafka: number;
  kafkaController: number;
  registry: number;
  registryManagement: number;
  mongo: number;
  redis: number;
}

/** Ports of the optional servers, which a private instance (stack/instance.ts) need not choose. */
export interface ObservabilityPorts {
  prometheus: number;
  /** Jaeger's query API and UI; its gRPC query port is the next one. */
  jaeger: number;
  /** Jaeger's OTLP/HTTP receiver; its health check is on the next port. */
  jaegerOtlp: number;
}

export type AllStackPorts = StackPorts & ObservabilityPorts;

export interface StackVersions {
  kafka: string;
  apicurio: string;
  /** Apicurio 3.1+ is compiled for Java 21; on a machine with only Java 17 we use the last 3.0.x. */
  apicurioJava17: string;
  ferretdb: string;
}

export interface StackSettings {
  layout: StackLayout;
  ports: AllStackPorts;
  versions: StackVersions;
  host: string;
  /** Java runtimes to try for the schema registry first (ORDERSTREAM_REGISTRY_JAVA, then JAVA_HOME's). */
  javaCandidates: string[];
}

export const DEFAULT_VERSIONS: StackVersions = {
  kafka: '3.9.2',
  apicurio: '3.3.3',
  apicurioJava17: '3.0.9',
  ferretdb: 'v1.24.2',
};

const DEFAULT_PORTS: AllStackPorts = {
  kafka: 19092,
  kafkaController: 19093,
  registry: 18085,
  registryManagement: 18086,
  mongo: 27117,
  redis: 16379,
  prometheus: 19090,
  jaeger: 16686,
  jaegerOtlp: 14318,
};

/** The variable that moves each port. */
export const PORT_VARIABLES: Record<keyof AllStackPorts, string> = {
  kafka: 'ORDERSTREAM_STACK_KAFKA_PORT',
  kafkaController: 'ORDERSTREAM_STACK_KAFKA_CONTROLLER_PORT',
  registry: 'ORDERSTREAM_STACK_REGISTRY_PORT',
  registryManagement: 'ORDERSTREAM_STACK_REGISTRY_MANAGEMENT_PORT',
  mongo: 'ORDERSTREAM_STACK_MONGO_PORT',
  redis: 'ORDERSTREAM_STACK_REDIS_PORT',
  prometheus: 'ORDERSTREAM_STACK_PROMETHEUS_PORT',
  jaeger: 'ORDERSTREAM_STACK_JAEGER_PORT',
  jaegerOtlp: 'ORDERSTREAM_STACK_JAEGER_OTLP_PORT',
};

const readPort = (env: NodeJS.ProcessEnv, variable: string, fallback: number): number => {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(variable, `must be an integer between 1 and 65535, got "${raw}"`);
  }
  return port;
};

/**
 * A named instance (`ORDERSTREAM_STACK_INSTANCE`) is a second stack beside the default one: its
 * own data, logs and pid records under `instances/<name>/`, the same provisioned tools, and the
 * ports its `ORDERSTREAM_STACK_*_PORT` variables give. The chaos suite and outage tests stop and
 * start its servers without touching the stack other runs share.
 */
const INSTANCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export const stackSettings = (env: NodeJS.ProcessEnv = process.env): StackSettings => {
  const cacheDir = resolve(env.ORDERSTREAM_CACHE_DIR ?? join(homedir(), '.cache', 'orderstream'));
  const instance = env.ORDERSTREAM_STACK_INSTANCE ?? '';
  if (instance !== '' && !INSTANCE_NAME.test(instance)) {
    throw new ConfigError(
      'ORDERSTREAM_STACK_INSTANCE',
      `must match ${INSTANCE_NAME.source}, got "${instance}"`,
    );
  }
  const stateDir = instance === '' ? cacheDir : join(cacheDir, 'instances', instance);
  const ports = Object.fromEntries(
    (Object.keys(DEFAULT_PORTS) as (keyof AllStackPorts)[]).map((name) => [
      name,
      readPort(env, PORT_VARIABLES[name], DEFAULT_PORTS[name]),
    ]),
  ) as unknown as AllStackPorts;
  return {
    host: '127.0.0.1',
    ports,
    versions: DEFAULT_VERSIONS,
    javaCandidates: [
      env.ORDERSTREAM_REGISTRY_JAVA,
      env.JAVA_HOME && join(env.JAVA_HOME, 'bin', 'java'),
    ].filter((java): java is string => typeof java === 'string' && java !== ''),
    layout: {
      cacheDir,
      binDir: join(cacheDir, 'bin'),
      dataDir: join(stateDir, 'data'),
      logDir: join(stateDir, 'logs'),
      runDir: join(stateDir, 'run'),
      toolDir: join(cacheDir, 'tools'),
    },
  };
};

export interface Endpoints {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  mongodbUri: string;
  redisUrl: string;
  /** Optional: the system runs without it; `npm start` and the observability tests use it. */
  prometheusUrl?: string;
  /** Optional, like Prometheus: Jaeger's query API, and the OTLP/HTTP endpoint processes send spans to. */
  jaegerUrl?: string;
  otlpEndpoint?: string;
}

export const endpointsToEnv = (e: Endpoints): Record<string, string> => ({
  KAFKA_BROKERS: e.kafkaBrokers,
  SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
  MONGODB_URI: e.mongodbUri,
  REDIS_URL: e.redisUrl,
  ...(e.prometheusUrl !== undefined ? { PROMETHEUS_URL: e.prometheusUrl } : {}),
  ...(e.jaegerUrl !== undefined ? { JAEGER_URL: e.jaegerUrl } : {}),
  ...(e.otlpEndpoint !== undefined ? { OTEL_EXPORTER_OTLP_ENDPOINT: e.otlpEndpoint } : {}),
});

export const localEndpoints = ({ host, ports }: StackSettings): Endpoints => ({
  kafkaBrokers: `${host}:${ports.kafka}`,
  schemaRegistryUrl: `http://${host}:${ports.registry}/apis/ccompat/v7`,
  mongodbUri: `mongodb://${host}:${ports.mongo}/`,
  redisUrl: `redis://${host}:${ports.redis}`,
  prometheusUrl: `http://${host}:${ports.prometheus}`,
  jaegerUrl: `http://${host}:${ports.jaeger}`,
  otlpEndpoint: `http://${host}:${ports.jaegerOtlp}`,
});
