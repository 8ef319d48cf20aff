import { ConfigError } from '../lib/errors';

/**
 * The four servers of the Docker path (DESIGN §8), as containers on host networking: the engine
 * this machine kind runs has no bridge and publishes no ports (DESIGN §10), so every server
 * listens on 127.0.0.1 on a port of its own block (34000-34999 by default, beside compose's
 * 33xxx). Images are variables with the vendors' defaults, like docker-compose.yml; where no
 * registry is reachable the defaults become the local images compose:verify builds.
 */
export type DockerServer = 'kafka' | 'registry' | 'mongo' | 'redis';

export type DockerImages = Record<DockerServer, string>;

/** The same defaults as docker-compose.yml. */
export const VENDOR_IMAGES: DockerImages = {
  kafka: 'apache/kafka:3.9.2',
  registry: 'confluentinc/cp-schema-registry:7.7.1',
  mongo: 'mongo:7',
  redis: 'redis:7',
};

export const IMAGE_VARIABLES: Record<DockerServer, string> = {
  kafka: 'KAFKA_IMAGE',
  registry: 'SCHEMA_REGISTRY_IMAGE',
  mongo: 'MONGO_IMAGE',
  redis: 'REDIS_IMAGE',
};

/** Each image from its variable, else from the defaults given. */
export const dockerImages = (env: NodeJS.ProcessEnv, defaults: DockerImages = VENDOR_IMAGES): DockerImages =>
  Object.fromEntries(
    (Object.keys(IMAGE_VARIABLES) as DockerServer[]).map((server) => [
      server,
      env[IMAGE_VARIABLES[server]] || defaults[server],
    ]),
  ) as DockerImages;

export interface DockerPorts {
  kafka: number;
  kafkaController: number;
  registry: number;
  registryManagement: number;
  mongo: number;
  mongoDebug: number;
  redis: number;
}

export const PORT_BASE_VARIABLE = 'ORDERSTREAM_DOCKER_PORT_BASE';
export const DEFAULT_PORT_BASE = 34000;

const OFFSETS: DockerPorts = {
  kafka: 92,
  kafkaController: 93,
  registry: 85,
  registryManagement: 86,
  mongo: 17,
  mongoDebug: 18,
  redis: 79,
};

/** The block's ports: base + a fixed offset each, so a second run moves them all with one variable. */
export const dockerPorts = (env: NodeJS.ProcessEnv = process.env): DockerPorts => {
  const raw = env[PORT_BASE_VARIABLE];
  const base = raw === undefined || raw === '' ? DEFAULT_PORT_BASE : Number(raw);
  if (!Number.isInteger(base) || base < 1024 || base > 65_400 || base % 100 !== 0)
    throw new ConfigError(
      PORT_BASE_VARIABLE,
      `must be a multiple of 100 between 1100 and 65400, got "${raw}"`,
    );
  return Object.fromEntries(Object.entries(OFFSETS).map(([k, offset]) => [k, base + offset])) as DockerPorts;
};

/** The block reserved against ephemeral use while the containers run (ip_local_reserved_ports). */
export const portRange = (ports: DockerPorts): string => {
  const all = Object.values(ports);
  const low = Math.floor(Math.min(...all) / 100) * 100;
  return `${low}-${low + 99}`;
};

export interface ServerSpec {
  server: DockerServer;
  image: string;
  environment: Record<string, string>;
  command?: string[];
  /** What clients use, as the test setup exports it. */
  endpoint: string;
  /** The ports the server listens on (all of them on 127.0.0.1). */
  ports: number[];
}

/** Apicurio (the local stand-in) serves the Confluent API under a path; Confluent's at the root. */
export const registryBasePath = (image: string): string =>
  /apicurio/i.test(image) ? '/apis/ccompat/v7' : '';

/**
 * How each image runs here. The variables are the vendors' (apache/kafka's KAFKA_*, the
 * cp-schema-registry's SCHEMA_REGISTRY_*, mongod's and redis-server's flags), which the local
 * images understand too; Apicurio also reads its Quarkus settings from the environment.
 */
export const serverSpecs = (images: DockerImages, ports: DockerPorts, host = '127.0.0.1'): ServerSpec[] => [
  {
    server: 'kafka',
    image: images.kafka,
    environment: {
      CLUSTER_ID: 'b3JkZXJzdHJlYW0tZG9ja2Vy',
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://${host}:${ports.kafka},CONTROLLER://${host}:${ports.kafkaController}`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${ports.kafka}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${host}:${ports.kafkaController}`,
      KAFKA_LOG_DIRS: '/var/lib/kafka/data',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_DEFAULT_REPLICATION_FACTOR: '1',
      // One broker: internal topics with one replica, or offsets and transactions wait forever.
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '10',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '10',
      // Tests create many consumer groups; the default 3 s delay would add up to minutes.
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_LOG_CLEANER_ENABLE: 'true',
    },
    endpoint: `${host}:${ports.kafka}`,
    ports: [ports.kafka, ports.kafkaController],
  },
  {
    server: 'registry',
    image: images.registry,
    environment: {
      SCHEMA_REGISTRY_HOST_NAME: host,
      SCHEMA_REGISTRY_LISTENERS: `http://${host}:${ports.registry}`,
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: `PLAINTEXT://${host}:${ports.kafka}`,
      QUARKUS_HTTP_HOST: host,
      QUARKUS_HTTP_PORT: String(ports.registry),
      QUARKUS_MANAGEMENT_HOST: host,
      QUARKUS_MANAGEMENT_PORT: String(ports.registryManagement),
      // The tests delete what they register, as against the local stack's registry.
      JAVA_OPTS_APPEND: [
        '-Xms128m',
        '-Xmx512m',
        '-Dapicurio.rest.deletion.artifact.enabled=true',
        '-Dapicurio.rest.deletion.artifact-version.enabled=true',
        '-Dapicurio.rest.deletion.group.enabled=true',
      ].join(' '),
    },
    endpoint: `http://${host}:${ports.registry}${registryBasePath(images.registry)}`,
    ports: [ports.registry, ports.registryManagement],
  },
  {
    server: 'mongo',
    image: images.mongo,
    environment: { FERRETDB_DEBUG_ADDR: `${host}:${ports.mongoDebug}` },
    command: ['--bind_ip', host, '--port', String(ports.mongo)],
    endpoint: `mongodb://${host}:${ports.mongo}/`,
    ports: [ports.mongo, ports.mongoDebug],
  },
  {
    server: 'redis',
    image: images.redis,
    environment: {},
    command: [
      'redis-server',
      '--bind',
      host,
      '--port',
      String(ports.redis),
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    endpoint: `redis://${host}:${ports.redis}`,
    ports: [ports.redis],
  },
];
