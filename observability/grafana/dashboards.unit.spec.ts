import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DASHBOARDS_CONFIG_MAP_FILE, renderDashboards, renderDashboardsConfigMap } from './dashboards';
import { dashboardQueries } from './dashboard-queries';

const DIR = join(__dirname, 'dashboards');

describe('dashboards as code', () => {
  it('the committed JSON is exactly what `npm run dashboards` generates', () => {
    const rendered = renderDashboards();
    const committed = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(committed.sort()).toEqual([...rendered.keys()].sort());
    for (const [file, json] of rendered)
      expect({ file, json: readFileSync(join(DIR, file), 'utf8') }).toEqual({ file, json });
  });

  it('provisions the same JSON in Kubernetes, as a ConfigMap for Grafana’s dashboard sidecar', () => {
    expect(readFileSync(DASHBOARDS_CONFIG_MAP_FILE, 'utf8')).toBe(renderDashboardsConfigMap());
    const map = parse(readFileSync(DASHBOARDS_CONFIG_MAP_FILE, 'utf8')) as {
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    };
    expect(map.metadata.labels.grafana_dashboard).toBe('1');
    expect(Object.keys(map.data).sort()).toEqual(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    );
    for (const [file, json] of Object.entries(map.data))
      expect(json).toBe(readFileSync(join(DIR, file), 'utf8'));
  });

  it('ships the seven dashboards, every panel with a Prometheus query on the chosen system', () => {
    const titles = [...renderDashboards().values()].map(
      (json) => (JSON.parse(json) as { title: string }).title,
    );
    expect(titles.sort()).toEqual(
      ['Command side', 'Kafka', 'Overview', 'Processes', 'Read side', 'Resilience', 'Saga'].map(
        (t) => `orderstream / ${t}`,
      ),
    );
    const queries = dashboardQueries(DIR);
    expect(queries.length).toBeGreaterThan(30);
    for (const q of queries)
      expect({ panel: q.panel, scoped: q.expr.includes('system=~"$system"') }).toEqual({
        panel: q.panel,
        scoped: true,
      });
  });
});
