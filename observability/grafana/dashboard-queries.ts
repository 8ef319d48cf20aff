import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One query of one panel, as the shipped JSON holds it. */
export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

interface PanelJson {
  title?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: PanelJson[];
}

/** Every panel query of every dashboard JSON file in `dir` (rows' nested panels included). */
export const dashboardQueries = (dir: string): DashboardQuery[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        title: string;
        panels?: PanelJson[];
      };
      const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
      return panels.flatMap((p) =>
        (p.targets ?? []).map((t) => ({
          dashboard: dashboard.title,
          panel: p.title ?? '(untitled)',
          refId: t.refId ?? '',
          expr: t.expr ?? '',
        })),
      );
    });

/** A query as Grafana would send it for one system: its variables replaced. */
export const forSystem = (expr: string, system: string, rateInterval = '1m'): string =>
  expr.replaceAll('$system', system).replaceAll('$__rate_interval', rateInterval);
