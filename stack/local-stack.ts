import { mkdirSync } from 'node:fs';
import { DependencyError } from '../lib/errors';
import type { StackSettings } from './layout';
import type { Progress } from './progress';
import type { LocalService, ServiceContext } from './service';
import { kafkaService } from './services/kafka';
import { mongoService } from './services/mongo';
import { jaegerService } from './services/jaeger';
import { prometheusService } from './services/prometheus';
import { redisService } from './services/redis';
import { registryService } from './services/registry';
import { launch, portOpen, runningRecord, stop, waitHealthy } from './supervisor';

export const SERVICES: readonly LocalService[] = [
  kafkaService,
  registryService,
  mongoService,
  redisService,
  prometheusService,
  jaegerService,
];
export type ServiceName = LocalService['name'];

export interface ServiceStatus {
  name: ServiceName;
  version: string;
  port: number;
  /** started: by this stack (has a pid); external: something else answers on the port. */
  owner: 'stack' | 'external' | 'none';
  pid?: number;
  healthy: boolean;
}

const select = (names?: readonly ServiceName[]): LocalService[] =>
  SERVICES.filter((s) => names === undefined || names.includes(s.name));

/**
 * Provisions what is missing (in parallel: downloads and the FerretDB build overlap), then
 * starts every server that is not already healthy and waits for all of them.
 * Returns the names of the servers this call started.
 */
export const up = async (
  settings: StackSettings,
  progress: Progress,
  names?: readonly ServiceName[],
): Promise<ServiceName[]> => {
  const ctx: ServiceContext = { settings, progress };
  for (const dir of Object.values(settings.layout)) mkdirSync(dir, { recursive: true });
  const services = select(names);
  await Promise.all(services.map((s) => s.provision(ctx)));

  const started: ServiceName[] = [];
  await Promise.all(
    services.map(async (service) => {
      const t0 = Date.now();
      const ours = runningRecord(settings.layout, service.name);
      if (ours) {
        await waitHealthy(ours, () => service.probe(ctx), service.startTimeoutMs);
        progress.done(service.name, `already running (pid ${ours.pid}, port ${service.port(ctx)})`, t0);
        return;
      }
      if (await portOpen(settings.host, service.port(ctx))) {
        if (await service.probe(ctx).catch(() => false)) {
          progress.done(
            service.name,
            `port ${service.port(ctx)} already served by a process this stack did not start; using it`,
            t0,
          );
          return;
        }
        throw new DependencyError(
          service.name,
          `port ${service.port(ctx)} is taken by another program; free it or choose another port (see README: ORDERSTREAM_STACK_*_PORT)`,
          { retriable: false },
        );
      }
      const spec = await service.prepare(ctx);
      const record = launch(settings.layout, spec);
      started.push(service.name);
      await waitHealthy(record, () => service.probe(ctx), service.startTimeoutMs);
      progress.done(
        service.name,
        `${service.version(ctx)} ready on port ${service.port(ctx)} (pid ${record.pid})`,
        t0,
      );
    }),
  );
  return started;
};

/** Stops the servers this stack started (all of them, or the named ones). */
export const down = async (
  settings: StackSettings,
  progress: Progress,
  names?: readonly ServiceName[],
): Promise<void> => {
  await Promise.all(
    select(names).map(async (service) => {
      const t0 = Date.now();
      if (await stop(settings.layout, service.name)) progress.done(service.name, 'stopped', t0);
    }),
  );
};

export const status = async (settings: StackSettings): Promise<ServiceStatus[]> => {
  const ctx: ServiceContext = { settings, progress: { step() {}, done() {}, fail() {}, heartbeat() {} } };
  return Promise.all(
    SERVICES.map(async (service): Promise<ServiceStatus> => {
      const record = runningRecord(settings.layout, service.name);
      const healthy = await service.probe(ctx).catch(() => false);
      let version: string;
      try {
        version = service.version(ctx);
      } catch (err) {
        version = `(${(err as Error).message})`;
      }
      return {
        name: service.name,
        version,
        port: service.port(ctx),
        owner: record ? 'stack' : healthy ? 'external' : 'none',
        pid: record?.pid,
        healthy,
      };
    }),
  );
};
