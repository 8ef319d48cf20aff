import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackSettings } from '../layout';
import { prometheusConfig, prometheusPaths, writeScrapeTargets } from './prometheus-config';

describe('the stack Prometheus configuration', () => {
  let cache: string;
  beforeEach(() => (cache = mkdtempSync(join(tmpdir(), 'orderstream-prom-'))));
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('discovers targets from the files in its targets folder and loads the rules folder', () => {
    const paths = prometheusPaths(stackSettings({ ORDERSTREAM_CACHE_DIR: cache }).layout);
    const config = JSON.parse(prometheusConfig(paths)) as {
      global: { scrape_interval: string };
      rule_files: string[];
      scrape_configs: { job_name: string; file_sd_configs: { files: string[] }[] }[];
    };
    expect(config.global.scrape_interval).toBe('2s');
    expect(config.rule_files).toEqual([join(cache, 'data', 'prometheus', 'rules', '*.yml')]);
    expect(config.scrape_configs).toEqual([
      expect.objectContaining({
        job_name: 'orderstream',
        file_sd_configs: [
          expect.objectContaining({ files: [join(cache, 'data', 'prometheus', 'targets', '*.json')] }),
        ],
      }),
    ]);
  });

  it('writes one targets file per system, labelled, and removes it on request', () => {
    const { layout } = stackSettings({ ORDERSTREAM_CACHE_DIR: cache });
    const forget = writeScrapeTargets(layout, 'run-1', [
      { process: 'query-api', port: 8080 },
      { process: 'processors', port: 9100 },
    ]);
    const dir = prometheusPaths(layout).targets;
    expect(readdirSync(dir)).toEqual(['run-1.json']);
    expect(JSON.parse(readFileSync(join(dir, 'run-1.json'), 'utf8'))).toEqual([
      { targets: ['127.0.0.1:8080'], labels: { system: 'run-1', process: 'query-api' } },
      { targets: ['127.0.0.1:9100'], labels: { system: 'run-1', process: 'processors' } },
    ]);
    forget();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a system name that is not a plain file name', () => {
    const { layout } = stackSettings({ ORDERSTREAM_CACHE_DIR: cache });
    expect(() => writeScrapeTargets(layout, '../escape', [])).toThrow(/system name/);
  });
});
