import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackLayout } from '../layout';

/**
 * What the stack's Prometheus reads: a generated configuration whose only scrape job discovers
 * its targets from JSON files in one folder (file-based service discovery). `npm start` and the
 * tests write one file per running system there, so nothing about our ports is typed twice.
 */
export const SCRAPE_INTERVAL = '2s';
export const SCRAPE_JOB = 'orderstream';

export interface PrometheusPaths {
  dir: string;
  config: string;
  data: string;
  targets: string;
  rules: string;
}

export const prometheusPaths = (layout: StackLayout): PrometheusPaths => {
  const dir = join(layout.dataDir, 'prometheus');
  return {
    dir,
    config: join(dir, 'prometheus.yml'),
    data: join(dir, 'tsdb'),
    targets: join(dir, 'targets'),
    rules: join(dir, 'rules'),
  };
};

/** The configuration, as YAML (JSON is YAML, and needs no YAML library). */
export const prometheusConfig = (paths: PrometheusPaths): string =>
  `${JSON.stringify(
    {
      global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL },
      rule_files: [join(paths.rules, '*.yml')],
      scrape_configs: [
        {
          job_name: SCRAPE_JOB,
          scrape_timeout: SCRAPE_INTERVAL,
          file_sd_configs: [{ files: [join(paths.targets, '*.json')], refresh_interval: SCRAPE_INTERVAL }],
        },
      ],
    },
    null,
    2,
  )}\n`;

/** One process to scrape: its name becomes the `process` label, `system` names the whole run. */
export interface ScrapeTarget {
  process: string;
  port: number;
  host?: string;
}

export const targetGroups = (system: string, targets: readonly ScrapeTarget[]) =>
  targets.map((t) => ({
    targets: [`${t.host ?? '127.0.0.1'}:${t.port}`],
    labels: { system, process: t.process },
  }));

const SYSTEM_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Writes (atomically: Prometheus may read at any moment) the targets of one system; returns a
 * function that removes them, so a stopped system leaves no target behind that looks down.
 */
export const writeScrapeTargets = (
  layout: StackLayout,
  system: string,
  targets: readonly ScrapeTarget[],
): (() => void) => {
  if (!SYSTEM_NAME.test(system)) throw new Error(`system name must match ${SYSTEM_NAME.source}: ${system}`);
  const dir = prometheusPaths(layout).targets;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${system}.json`);
  const partial = `${file}.tmp`;
  writeFileSync(partial, `${JSON.stringify(targetGroups(system, targets), null, 2)}\n`);
  renameSync(partial, file);
  return () => rmSync(file, { force: true });
};
