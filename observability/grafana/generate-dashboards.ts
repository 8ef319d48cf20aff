import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDashboards } from './dashboards';

/** `npm run dashboards`: writes every dashboard's JSON to dashboards/, and nothing else there. */
export const DASHBOARD_DIR = join(__dirname, 'dashboards');

const main = (): void => {
  mkdirSync(DASHBOARD_DIR, { recursive: true });
  const rendered = renderDashboards();
  for (const file of readdirSync(DASHBOARD_DIR))
    if (file.endsWith('.json') && !rendered.has(file)) rmSync(join(DASHBOARD_DIR, file));
  for (const [file, json] of rendered) writeFileSync(join(DASHBOARD_DIR, file), json);
  process.stdout.write(`${rendered.size} dashboards written to ${DASHBOARD_DIR}\n`);
};

main();
