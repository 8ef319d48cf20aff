import { rmSync } from 'node:fs';
import {
  localEndpoints,
  PORT_VARIABLES,
  stackSettings,
  type Endpoints,
  type AllStackPorts,
  type StackPorts,
  type StackSettings,
} from './layout';
import { down, up, type ServiceName } from './local-stack';
import { silentProgress, type Progress } from './progress';

/**
 * A private stack beside the shared one (`ORDERSTREAM_STACK_INSTANCE`): the servers a fault test
 * or the chaos suite stops and starts again, on ports no other run uses. Servers it does not
 * start come from the shared endpoints the caller passes in.
 */
export interface StackInstance {
  readonly name: string;
  readonly settings: StackSettings;
  /** The instance's servers where it runs them, the given endpoints for the rest. */
  readonly endpoints: Endpoints;
  stop(service: ServiceName): Promise<void>;
  start(service: ServiceName): Promise<void>;
  /** Stops every server of the instance. */
  close(): Promise<void>;
}

export interface StackInstanceOptions {
  name: string;
  services: readonly ServiceName[];
  /** Every port of the instance, so two instances never meet. */
  ports: StackPorts;
  /** Endpoints for the servers this instance does not run (usually the shared stack's). */
  shared?: Partial<Endpoints>;
  /** Start from empty servers: what an earlier run left (topics, documents, keys) is deleted first. */
  fresh?: boolean;
  progress?: Progress;
}

const ENDPOINT_OF: Record<ServiceName, keyof Endpoints> = {
  kafka: 'kafkaBrokers',
  registry: 'schemaRegistryUrl',
  mongo: 'mongodbUri',
  redis: 'redisUrl',
  prometheus: 'prometheusUrl',
  jaeger: 'jaegerUrl',
};

export const startStackInstance = async (options: StackInstanceOptions): Promise<StackInstance> => {
  const env: NodeJS.ProcessEnv = { ...process.env, ORDERSTREAM_STACK_INSTANCE: options.name };
  const ports: Partial<AllStackPorts> = options.ports;
  for (const [key, variable] of Object.entries(PORT_VARIABLES)) {
    const port = ports[key as keyof AllStackPorts];
    if (port !== undefined) env[variable] = String(port);
  }
  const settings = stackSettings(env);
  const progress = options.progress ?? silentProgress;
  const own = localEndpoints(settings);
  const endpoints = { ...own } as Endpoints;
  for (const [service, key] of Object.entries(ENDPOINT_OF) as [ServiceName, keyof Endpoints][]) {
    if (options.services.includes(service)) continue;
    const shared = options.shared?.[key];
    if (shared === undefined && service === 'prometheus') {
      delete endpoints.prometheusUrl;
      continue;
    }
    if (service === 'jaeger') {
      // Traces go to the shared Jaeger when there is one, else nowhere.
      delete endpoints.jaegerUrl;
      delete endpoints.otlpEndpoint;
      if (options.shared?.jaegerUrl !== undefined && options.shared.otlpEndpoint !== undefined) {
        endpoints.jaegerUrl = options.shared.jaegerUrl;
        endpoints.otlpEndpoint = options.shared.otlpEndpoint;
      }
      continue;
    }
    if (shared === undefined) {
      throw new Error(
        `stack instance ${options.name} does not run ${service}: pass its endpoint in 'shared'`,
      );
    }
    endpoints[key] = shared;
  }
  if (options.fresh) {
    await down(settings, progress, options.services);
    rmSync(settings.layout.dataDir, { recursive: true, force: true });
  }
  await up(settings, progress, options.services);
  return {
    name: options.name,
    settings,
    endpoints,
    stop: (service) => down(settings, progress, [service]),
    start: async (service) => {
      await up(settings, progress, [service]);
    },
    close: () => down(settings, progress, options.services),
  };
};

/** The shared stack's endpoints as the test setup exported them. */
export const sharedEndpoints = (env: NodeJS.ProcessEnv = process.env): Partial<Endpoints> => ({
  ...(env.KAFKA_BROKERS ? { kafkaBrokers: env.KAFKA_BROKERS } : {}),
  ...(env.SCHEMA_REGISTRY_URL ? { schemaRegistryUrl: env.SCHEMA_REGISTRY_URL } : {}),
  ...(env.MONGODB_URI ? { mongodbUri: env.MONGODB_URI } : {}),
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
});
