import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors';
import { capture, installDebianPackages, which } from '../shell';
import type { LocalService, ServiceContext } from '../service';
import { prometheusConfig, prometheusPaths } from './prometheus-config';

/** The alert rules that ship in the repository; the stack's Prometheus evaluates them too. */
export const SHIPPED_RULES = join(__dirname, '..', '..', 'observability', 'prometheus', 'alerts.yml');

const binary = (name: string): string | undefined => which(name) ?? which(name, '/usr/bin:/usr/sbin');

export const promtoolBinary = (): string => {
  const bin = binary('promtool');
  if (!bin)
    throw new PrerequisiteError("'promtool' is not installed: `npm run stack -- up prometheus` installs it");
  return bin;
};

export const prometheusUrl = (ctx: ServiceContext): string =>
  `http://${ctx.settings.host}:${ctx.settings.ports.prometheus}`;

/**
 * Debian's prometheus package (2.42 on Debian 12, with promtool). Its configuration is generated
 * on every start; the targets come from files (prometheus-config.ts) and the rules from the
 * repository, re-read on SIGHUP or POST /-/reload.
 */
export const prometheusService: LocalService = {
  name: 'prometheus',
  startTimeoutMs: 30_000,
  version: () => {
    const bin = binary('prometheus');
    const out = bin ? capture(bin, ['--version']) : undefined;
    return `Prometheus ${out?.match(/version (\S+)/)?.[1] ?? '(not installed)'}`;
  },
  port: (ctx) => ctx.settings.ports.prometheus,

  async provision(ctx) {
    if (binary('prometheus') && binary('promtool')) return;
    const started = Date.now();
    await installDebianPackages(['prometheus'], {
      service: 'prometheus',
      progress: ctx.progress,
      logDir: ctx.settings.layout.logDir,
      hint: "'prometheus' is not on PATH: install it (Debian: sudo apt-get install --no-install-recommends prometheus) or set PROMETHEUS_URL to a running server",
    });
    ctx.progress.done('prometheus', 'prometheus and promtool installed', started);
  },

  async prepare(ctx) {
    const bin = binary('prometheus');
    if (!bin) throw new PrerequisiteError("'prometheus' is not installed");
    const paths = prometheusPaths(ctx.settings.layout);
    for (const dir of [paths.data, paths.targets, paths.rules]) mkdirSync(dir, { recursive: true });
    writeFileSync(paths.config, prometheusConfig(paths));
    copyFileSync(SHIPPED_RULES, join(paths.rules, 'orderstream.yml'));
    return {
      service: 'prometheus',
      command: bin,
      args: [
        `--config.file=${paths.config}`,
        `--storage.tsdb.path=${paths.data}`,
        // Local data is for looking at recent runs, not for keeping.
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=${ctx.settings.host}:${ctx.settings.ports.prometheus}`,
        // Tests reload rule files they add (and the targets folder is re-read by itself).
        '--web.enable-lifecycle',
      ],
    };
  },

  async probe(ctx) {
    const res = await fetch(`${prometheusUrl(ctx)}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  },
};
