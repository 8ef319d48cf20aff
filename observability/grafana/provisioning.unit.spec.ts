import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';

/**
 * Grafana is not run here (AGPL, in no registry of this machine kind): what compose provisions is
 * checked against the files instead. The dashboards' folder, datasources and scrape labels must
 * agree, or a composed Grafana opens on empty panels.
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const yaml = (path: string): unknown => parse(read(path)) as unknown;

interface ComposeService {
  volumes?: string[];
  command?: string[];
}
const compose = yaml('docker-compose.yml') as { services: Record<string, ComposeService> };

/** host path (relative, no ./) → container path of a service's bind mounts. */
const mounts = (service: string): Map<string, string> =>
  new Map(
    (compose.services[service]?.volumes ?? []).map((v) => {
      const [host = '', target = ''] = v.split(':');
      return [posix.normalize(host), target];
    }),
  );

interface DatasourceRef {
  type?: string;
  uid?: string;
}

/** Every `datasource` object anywhere in a dashboard (panels, targets, template variables). */
const datasourceRefs = (node: unknown): DatasourceRef[] => {
  if (Array.isArray(node)) return node.flatMap(datasourceRefs);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'datasource' && value !== null && typeof value === 'object'
      ? [value as DatasourceRef, ...datasourceRefs(value)]
      : datasourceRefs(value),
  );
};

const DASHBOARDS = 'observability/grafana/dashboards';
const dashboards = readdirSync(join(ROOT, DASHBOARDS))
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, json: JSON.parse(read(`${DASHBOARDS}/${file}`)) as Record<string, unknown> }));

describe("compose's Grafana provisioning", () => {
  const grafana = mounts('grafana');
  const provisioning = grafana.get('docker/grafana/provisioning');
  const providers = (
    yaml('docker/grafana/provisioning/dashboards/dashboards.yml') as {
      providers: { type: string; options: { path: string } }[];
    }
  ).providers;
  const datasources = (
    yaml('docker/grafana/provisioning/datasources/datasources.yml') as {
      datasources: { uid: string; type: string; url: string; isDefault?: boolean }[];
    }
  ).datasources;

  it('mounts the provisioning folder where Grafana reads it', () => {
    expect(provisioning).toBe('/etc/grafana/provisioning');
  });

  it('mounts the dashboards folder at the path the file provider reads', () => {
    const target = grafana.get(DASHBOARDS);
    expect(target).toBeDefined();
    expect(providers.filter((p) => p.type === 'file').map((p) => p.options.path)).toEqual([target]);
  });

  it('finds dashboards there, each with a unique uid and a title', () => {
    expect(dashboards.length).toBeGreaterThan(0);
    const uids = dashboards.map((d) => d.json.uid);
    expect(uids.every((u) => typeof u === 'string' && u !== '')).toBe(true);
    expect(new Set(uids).size).toBe(uids.length);
    for (const d of dashboards) expect(typeof d.json.title).toBe('string');
  });

  it('provisions every datasource a dashboard names, and the Prometheus of the compose file', () => {
    const byUid = new Map(datasources.map((d) => [d.uid, d]));
    const prometheus = datasources.find((d) => d.type === 'prometheus');
    expect(prometheus?.isDefault).toBe(true);
    const port = (compose.services.prometheus?.command ?? [])
      .find((a) => a.startsWith('--web.listen-address='))
      ?.split(':')
      .pop();
    expect(prometheus?.url).toBe(`http://prometheus:${port}`);
    for (const { file, json } of dashboards) {
      const variables = (
        (json.templating as { list?: { type: string; name: string; query: string }[] })?.list ?? []
      ).filter((v) => v.type === 'datasource');
      expect(datasourceRefs(json).length).toBeGreaterThan(0);
      for (const ref of datasourceRefs(json)) {
        const variable = ref.uid?.match(/^\$\{?(\w+)\}?$/)?.[1];
        if (variable !== undefined) {
          // A datasource variable: it must exist and list datasources of a type that is provisioned.
          const declared = variables.find((v) => v.name === variable);
          expect({ file, ref, declared: declared?.query }).toEqual({ file, ref, declared: ref.type });
          expect(datasources.some((d) => d.type === ref.type)).toBe(true);
        } else {
          expect({ file, uid: ref.uid, type: byUid.get(ref.uid ?? '')?.type }).toEqual({
            file,
            uid: ref.uid,
            type: ref.type,
          });
        }
      }
    }
  });
});

describe("compose's Prometheus", () => {
  const prometheus = mounts('prometheus');
  const queries = dashboards.map((d) => JSON.stringify(d.json)).join('\n');

  it.each(['docker/prometheus/prometheus.yml', 'docker/prometheus/prometheus.host.yml'])(
    '%s loads the alert rules compose mounts',
    (config) => {
      const target = prometheus.get('observability/prometheus/alerts.yml');
      expect(target).toBeDefined();
      expect((yaml(config) as { rule_files?: string[] }).rule_files).toEqual([target]);
    },
  );

  it.each(['docker/prometheus/prometheus.yml', 'docker/prometheus/prometheus.host.yml'])(
    '%s labels every role with the job, system and process the dashboards select on',
    (config) => {
      const jobs = (
        yaml(config) as {
          scrape_configs: {
            job_name: string;
            static_configs: { targets: string[]; labels?: Record<string, string> }[];
          }[];
        }
      ).scrape_configs;
      const orderstream = jobs.find((j) => j.job_name === 'orderstream');
      expect(queries).toContain('job=\\"orderstream\\"');
      expect(queries).toContain('system=~\\"$system\\"');
      expect(orderstream?.static_configs.length).toBeGreaterThan(10);
      for (const group of orderstream?.static_configs ?? []) {
        expect(group.labels).toEqual(expect.objectContaining({ system: 'compose' }));
        expect(group.labels?.process).toBe(group.labels?.role);
      }
    },
  );
});
