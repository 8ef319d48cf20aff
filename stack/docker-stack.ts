import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dockerImages,
  dockerPorts,
  type DockerImages,
  type DockerServer,
  portRange,
  serverSpecs,
  type ServerSpec,
  VENDOR_IMAGES,
} from './docker-servers';
import { type Endpoints, stackSettings } from './layout';
import { ProbeWaitStrategy } from './probe-wait-strategy';
import type { Progress } from './progress';
import type { ServiceContext } from './service';

/**
 * The Docker path of DESIGN §8: the servers as containers that testcontainers starts. Loaded
 * lazily so machines without Docker never pay for importing it.
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
  /** Removes every container it started, then stops the engine if it started that too. */
  stop(): Promise<void>;
}

type Wanted = Partial<Record<keyof Endpoints, boolean>>;

const SERVER_OF: Partial<Record<keyof Endpoints, DockerServer>> = {
  kafkaBrokers: 'kafka',
  schemaRegistryUrl: 'registry',
  mongodbUri: 'mongo',
  redisUrl: 'redis',
};

const ENDPOINT_OF: Record<DockerServer, keyof Endpoints> = {
  kafka: 'kafkaBrokers',
  registry: 'schemaRegistryUrl',
  mongo: 'mongodbUri',
  redis: 'redisUrl',
};

/** The servers to start: the wanted ones, and Kafka whenever the registry is (it may store there). */
export const serversFor = (wanted: Wanted): DockerServer[] => {
  const servers = new Set(
    (Object.keys(wanted) as (keyof Endpoints)[])
      .filter((k) => wanted[k])
      .map((k) => SERVER_OF[k])
      .filter((s): s is DockerServer => s !== undefined),
  );
  if (servers.has('registry')) servers.add('kafka');
  return (['kafka', 'registry', 'mongo', 'redis'] as const).filter((s) => servers.has(s));
};

/** Each server's protocol answered from here: the local stack's own probes on the block's ports. */
const probes = (specs: ServerSpec[], progress: Progress): Record<DockerServer, () => Promise<boolean>> => {
  const port = (server: DockerServer): number => specs.find((s) => s.server === server)?.ports[0] ?? 0;
  const base = stackSettings();
  const ctx: ServiceContext = {
    progress,
    settings: {
      ...base,
      ports: { ...base.ports, kafka: port('kafka'), mongo: port('mongo'), redis: port('redis') },
    },
  };
  const registryUrl = specs.find((s) => s.server === 'registry')?.endpoint ?? '';
  return {
    kafka: async () => (await import('./services/kafka')).kafkaService.probe(ctx),
    mongo: async () => (await import('./services/mongo')).mongoService.probe(ctx),
    redis: async () => (await import('./services/redis')).redisService.probe(ctx),
    registry: async () => (await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(2_000) })).ok,
  };
};

/**
 * Where no registry is reachable (the project's private engine on this machine kind), the local
 * images stand in for the vendors': built once into the engine (compose:verify builds the same),
 * from the artefacts the local stack provisions.
 */
const localImages = async (progress: Progress): Promise<DockerImages> => {
  const settings = stackSettings();
  const ctx: ServiceContext = { settings, progress };
  const started = Date.now();
  for (const service of [
    (await import('./services/kafka')).kafkaService,
    (await import('./services/registry')).registryService,
    (await import('./services/mongo')).mongoService,
  ])
    await service.provision(ctx);
  const { buildLocalImages, LOCAL_IMAGES } = await import('../bin/compose/local-images');
  const built = await buildLocalImages(join(tmpdir(), 'orderstream-docker-images'), false, (m) =>
    progress.step('images', m),
  );
  progress.done('images', built.length ? `built ${built.join(', ')}` : 'local images present', started);
  return {
    kafka: LOCAL_IMAGES.kafka,
    registry: LOCAL_IMAGES.registry,
    mongo: LOCAL_IMAGES.mongo,
    redis: LOCAL_IMAGES.redis,
  };
};

/**
 * Starts the wanted servers in containers, on host networking and the ports of one block
 * (docker-servers.ts). Prepares what it needs: the engine (DOCKER_HOST if set, else the project's
 * private engine, started if it does not answer; never the default socket) and, on that private
 * engine, the local images.
 */
export const startDockerStack = async (
  wanted: Wanted,
  progress: Progress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DockerStack> => {
  const t0 = Date.now();
  const settings = stackSettings(env);
  const { ensureEngine, engineHost, enginePaths } = await import('../bin/compose/engine');
  const { reservePorts } = await import('../bin/compose/reserved-ports');
  const { output } = await import('../bin/compose/shell');
  const say = (message: string): void => progress.step('docker', message);
  const engine = await ensureEngine({ cacheDir: settings.layout.cacheDir, say });
  const dockerEnv = { ...process.env, DOCKER_HOST: engine.host };
  const label = `orderstream-${process.pid}-${t0}`;
  const containerStops: (() => Promise<unknown>)[] = [];
  let releasePorts = (): void => {};
  // In order: the containers, whatever a failed start or stop left with this run's label, the
  // port block, the engine (when this run started it).
  const cleanUp = async (): Promise<void> => {
    for (const stop of containerStops.splice(0))
      await stop().catch((err: unknown) => progress.fail('docker', String(err)));
    const left = output('docker', ['ps', '-aq', '--filter', `label=orderstream.stack=${label}`], dockerEnv);
    if (left) {
      progress.step('docker', `removing ${left.split('\n').length} containers left behind`);
      output('docker', ['rm', '-f', ...left.split('\n')], dockerEnv);
    }
    releasePorts();
    await engine.stop().catch((err: unknown) => progress.fail('docker', String(err)));
  };
  try {
    // testcontainers reads these at its first call: the engine above, its host name for the
    // host network, and no reaper container (the reaper needs a bridge; this stack removes its own).
    process.env.DOCKER_HOST = engine.host;
    process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
    const defaults =
      engine.host === engineHost(enginePaths(settings.layout.cacheDir))
        ? await localImages(progress)
        : VENDOR_IMAGES;
    const specs = serverSpecs(dockerImages(env, defaults), dockerPorts(env));
    const servers = serversFor(wanted);
    const range = portRange(dockerPorts(env));
    releasePorts = reservePorts(range, say);

    const { GenericContainer } = await import('testcontainers');
    const probeOf = probes(specs, progress);
    const logs = (id: string): string =>
      output('sh', ['-c', `docker logs --tail 30 ${id} 2>&1`], dockerEnv) ?? '';
    const start = async (server: DockerServer): Promise<void> => {
      const spec = specs.find((s) => s.server === server) as ServerSpec;
      const startedAt = Date.now();
      progress.step(server, `starting ${spec.image} (host network, 127.0.0.1:${spec.ports.join(', :')})`);
      let container = new GenericContainer(spec.image)
        .withNetworkMode('host')
        .withEnvironment(spec.environment)
        .withLabels({ 'orderstream.stack': label })
        .withWaitStrategy(new ProbeWaitStrategy(server, probeOf[server], logs))
        .withStartupTimeout(180_000);
      if (spec.command) container = container.withCommand(spec.command);
      const started = await container.start();
      containerStops.unshift(() => started.stop({ timeout: 10_000 }));
      progress.done(server, `${spec.image} answers at ${spec.endpoint}`, startedAt);
    };
    // Kafka before the registry (which may keep its schemas there); MongoDB and Redis meanwhile.
    const results = await Promise.allSettled([
      (async () => {
        if (servers.includes('kafka')) await start('kafka');
        if (servers.includes('registry')) await start('registry');
      })(),
      ...servers.filter((s) => s === 'mongo' || s === 'redis').map(start),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    progress.done('docker', `${servers.length} containers ready on ${range}`, t0);
    const endpoints: Partial<Endpoints> = {};
    for (const spec of specs.filter((s) => servers.includes(s.server)))
      endpoints[ENDPOINT_OF[spec.server]] = spec.endpoint;
    return { endpoints, stop: cleanUp };
  } catch (err) {
    await cleanUp();
    throw err;
  }
};
