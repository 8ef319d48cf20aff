import { join } from 'node:path';
import { stringify } from 'yaml';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  LegendDisplayMode,
  LegendPlacement,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Panel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { DASHBOARDS, type DashboardSpec, type PanelSpec } from './panels';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const WIDTH = 12;
const HEIGHT = 8;

const panel = (spec: PanelSpec, index: number): cog.Builder<Panel> => {
  const builder =
    spec.kind === 'stat'
      ? new StatPanelBuilder()
      : new TimeseriesPanelBuilder().legend(
          new VizLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(LegendDisplayMode.List)
            .placement(LegendPlacement.Bottom),
        );
  builder
    .title(spec.title)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .gridPos({ x: (index % 2) * WIDTH, y: Math.floor(index / 2) * HEIGHT, w: WIDTH, h: HEIGHT });
  if (spec.description) builder.description(spec.description);
  spec.queries.forEach((query, i) =>
    builder.withTarget(
      new DataqueryBuilder()
        .refId(String.fromCharCode(65 + i))
        .expr(query.expr)
        .legendFormat(query.legend)
        .datasource(DATASOURCE),
    ),
  );
  return builder;
};

/** One dashboard as Grafana's JSON model. */
export const buildDashboard = (spec: DashboardSpec): Dashboard => {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['orderstream', 'generated'])
    .refresh('10s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('system')
        .label('System')
        .description('One deployment: the `system` label of its scrape targets')
        .datasource(DATASOURCE)
        .query('label_values(up{job="orderstream"}, system)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .includeAll(true)
        .allValue('.*'),
    );
  spec.panels.forEach((p, i) => builder.withPanel(panel(p, i)));
  return builder.build();
};

/** File name (in dashboards/) → JSON text, for every dashboard. */
export const renderDashboards = (): Map<string, string> =>
  new Map(
    DASHBOARDS.map((spec) => [
      `${spec.uid.replace(/^orderstream-/, '')}.json`,
      `${JSON.stringify(buildDashboard(spec), null, 2)}\n`,
    ]),
  );

export const DASHBOARDS_CONFIG_MAP_FILE = join(
  __dirname,
  '..',
  '..',
  'k8s',
  'monitoring',
  'grafana-dashboards.yaml',
);

/**
 * The dashboards as one ConfigMap labelled `grafana_dashboard: "1"`, the label Grafana's dashboard
 * sidecar (as the kube-prometheus-stack chart runs it) watches: Grafana loads every file of it.
 */
export const renderDashboardsConfigMap = (rendered: Map<string, string> = renderDashboards()): string =>
  '# Generated from observability/grafana/panels.ts by `npm run dashboards`; do not edit.\n' +
  stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'orderstream-grafana-dashboards',
      labels: { 'app.kubernetes.io/part-of': 'orderstream', grafana_dashboard: '1' },
      annotations: { grafana_folder: 'orderstream' },
    },
    data: Object.fromEntries([...rendered].sort(([a], [b]) => a.localeCompare(b))),
  });
