import type { Progress } from './progress';
import type { StackSettings } from './layout';
import type { LaunchSpec } from './supervisor';

export interface ServiceContext {
  settings: StackSettings;
  progress: Progress;
}

/**
 * One server of the local stack. `provision` is idempotent and instant when the cache is
 * warm; `prepare` runs before every start (config files, one-time storage format).
 */
export interface LocalService {
  name: 'kafka' | 'registry' | 'mongo' | 'redis' | 'prometheus' | 'jaeger';
  version(ctx: ServiceContext): string;
  provision(ctx: ServiceContext): Promise<void>;
  prepare(ctx: ServiceContext): Promise<LaunchSpec>;
  port(ctx: ServiceContext): number;
  probe(ctx: ServiceContext): Promise<boolean>;
  startTimeoutMs: number;
}
