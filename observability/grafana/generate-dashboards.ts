import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_CONFIG_MAP_FILE, renderDashboards, renderDashboardsConfigMap } from './dashboards';

/**
 * `npm run dashboards`: writes every dashboard's JSON to dashboards/ (and nothing else there),
 * and the same JSON as the ConfigMap k8s/monitoring provisions Grafana with.
 */
export const DASHBOARD_DIR = join(__dirname, 'dashboards');

const main = (): void => {
  mkdirSync(DASHBOARD_DIR, { recursive: true });
  const rendered = renderDashboards();
  for (const file of readdirSync(DASHBOARD_DIR))
    if (file.endsWith('.json') && !rendered.has(file)) rmSync(join(DASHBOARD_DIR, file));
  for (const [file, json] of rendered) writeFileSync(join(DASHBOARD_DIR, file), json);
  writeFileSync(DASHBOARDS_CONFIG_MAP_FILE, renderDashboardsConfigMap(rendered));
  process.stdout.write(
    `${rendered.size} dashboards written to ${DASHBOARD_DIR}, and as a ConfigMap to ${DASHBOARDS_CONFIG_MAP_FILE}\n`,
  );
};

main();
