import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDashboards } from './dashboards';
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
