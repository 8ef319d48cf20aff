import { ConfigError } from '../lib/errors';
import {
  dockerImages,
  dockerPorts,
  portRange,
  registryBasePath,
  serverSpecs,
  VENDOR_IMAGES,
} from './docker-servers';
import { serversFor } from './docker-stack';

const LOCAL = {
  kafka: 'orderstream-local/kafka:3.9.2',
  registry: 'orderstream-local/apicurio:3.3.3',
  mongo: 'orderstream-local/ferretdb:1.24.2',
  redis: 'orderstream-local/redis:bookworm',
};

describe('the Docker path servers', () => {
  it("takes each image from its variable, else the defaults, else the vendors'", () => {
    expect(dockerImages({})).toEqual(VENDOR_IMAGES);
    expect(dockerImages({}, LOCAL)).toEqual(LOCAL);
    expect(dockerImages({ KAFKA_IMAGE: 'my/kafka:1', REDIS_IMAGE: '' }, LOCAL)).toEqual({
      ...LOCAL,
      kafka: 'my/kafka:1',
    });
  });

  it('puts every port in one block of 34xxx, moved as a whole by the base variable', () => {
    const ports = Object.values(dockerPorts({}));
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(34000);
    expect(Math.max(...ports)).toBeLessThan(34100);
    expect(portRange(dockerPorts({}))).toBe('34000-34099');
    const moved = dockerPorts({ ORDERSTREAM_DOCKER_PORT_BASE: '34500' });
    expect(moved.kafka).toBe(dockerPorts({}).kafka + 500);
    expect(portRange(moved)).toBe('34500-34599');
    expect(() => dockerPorts({ ORDERSTREAM_DOCKER_PORT_BASE: '34550' })).toThrow(ConfigError);
    expect(() => dockerPorts({ ORDERSTREAM_DOCKER_PORT_BASE: 'x' })).toThrow(/ORDERSTREAM_DOCKER_PORT_BASE/);
  });

  it('binds each server to loopback on its own ports, and the endpoints name those ports', () => {
    const ports = dockerPorts({});
    const specs = serverSpecs(LOCAL, ports);
    const kafka = specs.find((s) => s.server === 'kafka');
    expect(kafka?.endpoint).toBe(`127.0.0.1:${ports.kafka}`);
    expect(kafka?.environment.KAFKA_ADVERTISED_LISTENERS).toBe(`PLAINTEXT://127.0.0.1:${ports.kafka}`);
    expect(kafka?.environment.KAFKA_LISTENERS).toBe(
      `PLAINTEXT://127.0.0.1:${ports.kafka},CONTROLLER://127.0.0.1:${ports.kafkaController}`,
    );
    expect(kafka?.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`1@127.0.0.1:${ports.kafkaController}`);
    expect(kafka?.environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    const mongo = specs.find((s) => s.server === 'mongo');
    expect(mongo?.command).toEqual(['--bind_ip', '127.0.0.1', '--port', String(ports.mongo)]);
    expect(mongo?.endpoint).toBe(`mongodb://127.0.0.1:${ports.mongo}/`);
    const redis = specs.find((s) => s.server === 'redis');
    expect(redis?.command?.slice(0, 5)).toEqual([
      'redis-server',
      '--bind',
      '127.0.0.1',
      '--port',
      String(ports.redis),
    ]);
    const registry = specs.find((s) => s.server === 'registry');
    expect(registry?.environment.QUARKUS_HTTP_PORT).toBe(String(ports.registry));
    expect(registry?.environment.SCHEMA_REGISTRY_LISTENERS).toBe(`http://127.0.0.1:${ports.registry}`);
    const used = specs.flatMap((s) => s.ports);
    expect(new Set(used).size).toBe(used.length);
    expect(used.every((p) => Object.values(ports).includes(p))).toBe(true);
  });

  it("serves Apicurio's Confluent API under its path and Confluent's registry at the root", () => {
    expect(registryBasePath(LOCAL.registry)).toBe('/apis/ccompat/v7');
    expect(registryBasePath(VENDOR_IMAGES.registry)).toBe('');
    const ports = dockerPorts({});
    expect(serverSpecs(LOCAL, ports).find((s) => s.server === 'registry')?.endpoint).toBe(
      `http://127.0.0.1:${ports.registry}/apis/ccompat/v7`,
    );
    expect(serverSpecs(VENDOR_IMAGES, ports).find((s) => s.server === 'registry')?.endpoint).toBe(
      `http://127.0.0.1:${ports.registry}`,
    );
  });

  it('starts the wanted servers only, and Kafka with the registry', () => {
    expect(serversFor({ redisUrl: true })).toEqual(['redis']);
    expect(serversFor({ schemaRegistryUrl: true, mongodbUri: true })).toEqual(['kafka', 'registry', 'mongo']);
    expect(
      serversFor({ kafkaBrokers: true, schemaRegistryUrl: true, mongodbUri: true, redisUrl: true }),
    ).toEqual(['kafka', 'registry', 'mongo', 'redis']);
    expect(serversFor({ prometheusUrl: true })).toEqual([]);
  });
});
