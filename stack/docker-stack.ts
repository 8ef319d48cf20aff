import { existsSync } from 'node:fs';
import type { Endpoints } from './layout';
import type { Progress } from './progress';

/**
 * The Docker path of DESIGN §8: the vendors' images through testcontainers. Loaded lazily
 * so machines without Docker never pay for importing it.
 */
export const dockerAvailable = async (env: NodeJS.ProcessEnv = process.env): Promise<boolean> => {
  if (!env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('docker did not answer')), 5_000)),
    ]);
    return true;
  } catch {
    return false;
  }
};

export interface DockerStack {
  endpoints: Partial<Endpoints>;
  stop(): Promise<void>;
}

type Wanted = Partial<Record<keyof Endpoints, boolean>>;

export const startDockerStack = async (wanted: Wanted, progress: Progress): Promise<DockerStack> => {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const stops: (() => Promise<unknown>)[] = [];
  const endpoints: Partial<Endpoints> = {};
  const t0 = Date.now();

  if (wanted.kafkaBrokers || wanted.schemaRegistryUrl) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const network = await new Network().start();
    stops.push(() => network.stop());
    progress.step('kafka', 'starting confluentinc/cp-kafka (KRaft) container');
    const kafka = await new KafkaContainer('confluentinc/cp-kafka:7.9.0')
      .withKraft()
      .withNetwork(network)
      .withNetworkAliases('kafka')
      .start();
    stops.unshift(() => kafka.stop());
    endpoints.kafkaBrokers = `${kafka.getHost()}:${kafka.getMappedPort(9093)}`;
    if (wanted.schemaRegistryUrl) {
      progress.step('registry', 'starting confluentinc/cp-schema-registry container');
      const registry = await new GenericContainer('confluentinc/cp-schema-registry:7.9.0')
        .withNetwork(network)
        .withEnvironment({
          SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
          SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
          SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:9092',
        })
        .withExposedPorts(8081)
        .withWaitStrategy(Wait.forHttp('/subjects', 8081))
        .start();
      stops.unshift(() => registry.stop());
      endpoints.schemaRegistryUrl = `http://${registry.getHost()}:${registry.getMappedPort(8081)}`;
    }
  }
  if (wanted.mongodbUri) {
    const { MongoDBContainer } = await import('@testcontainers/mongodb');
    progress.step('mongo', 'starting mongo:7 container');
    const mongo = await new MongoDBContainer('mongo:7.0').start();
    stops.unshift(() => mongo.stop());
    endpoints.mongodbUri = `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/?directConnection=true`;
  }
  if (wanted.redisUrl) {
    const { RedisContainer } = await import('@testcontainers/redis');
    progress.step('redis', 'starting redis:7 container');
    const redis = await new RedisContainer('redis:7.4').start();
    stops.unshift(() => redis.stop());
    endpoints.redisUrl = redis.getConnectionUrl();
  }
  progress.done('docker', 'containers ready', t0);
  return {
    endpoints,
    stop: async () => {
      for (const s of stops) await s().catch(() => {});
    },
  };
};
