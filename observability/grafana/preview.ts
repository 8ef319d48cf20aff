import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderSvg } from '../../loadtest/report';
import { stackSettings, localEndpoints } from '../../stack/layout';
import { forSystem } from './dashboard-queries';
import { DASHBOARDS, type PanelSpec } from './panels';

/**
 * `npm run dashboards:preview`: the main panels drawn from a live Prometheus as SVG, so the README
 * shows what an operator sees without running Grafana. The queries are the dashboards' own
 * (panels.ts), over the last minutes of one system (`$system`, `npm-start` for `npm start`).
 */
export const PREVIEW_DIR = join(__dirname, 'previews');

/** Which panels are drawn: a whole dashboard (`*`) or one panel of it, by title. */
const PREVIEWED: readonly [uid: string, title: string][] = [
  ['orderstream-overview', '*'],
  ['orderstream-saga', 'Step latency p95 (reserve, pay, ship, complete)'],
  ['orderstream-read-side', 'Query latency p95 by route'],
  ['orderstream-resilience', 'External calls by dependency and outcome'],
];

export interface PreviewPanel {
  dashboard: string;
  panel: PanelSpec;
  file: string;
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export const previewPanels = (): PreviewPanel[] =>
  PREVIEWED.flatMap(([uid, title]) => {
    const dashboard = DASHBOARDS.find((d) => d.uid === uid);
    if (!dashboard) throw new Error(`no dashboard ${uid}`);
    const panels = dashboard.panels.filter((p) => title === '*' || p.title === title);
    if (panels.length === 0) throw new Error(`no panel '${title}' on ${dashboard.title}`);
    return panels.map((panel) => ({
      dashboard: dashboard.title,
      panel,
      file: `${slug(dashboard.title.replace('orderstream / ', ''))}--${slug(panel.title)}.svg`,
    }));
  });

interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

const rangeQuery = async (
  prometheusUrl: string,
  expr: string,
  { start, end, stepSeconds }: { start: number; end: number; stepSeconds: number },
): Promise<RangeSeries[]> => {
  const query = new URLSearchParams({
    query: expr,
    start: String(start),
    end: String(end),
    step: String(stepSeconds),
  });
  const res = await fetch(`${prometheusUrl}/api/v1/query_range?${query.toString()}`, {
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: RangeSeries[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error ?? body.status}`);
  return body.data?.result ?? [];
};

/** `{{route}} {{status}}` with the series' labels, as Grafana fills a legend. */
const legendOf = (legend: string, metric: Record<string, string>): string =>
  legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => metric[label] ?? '');

const UNIT_TITLE: Record<string, string> = {
  s: 'seconds',
  ops: 'per second',
  reqps: 'requests/s',
  percentunit: 'ratio',
  short: '',
  bytes: 'bytes',
};

export interface RenderedPreview extends PreviewPanel {
  /** Points drawn; 0 means the panel had no data over the window. */
  points: number;
  svg: string;
}

/** Draws every previewed panel over the last `minutes` of `system`. */
export const renderPreviews = async (options: {
  prometheusUrl: string;
  system: string;
  minutes: number;
}): Promise<RenderedPreview[]> => {
  const end = Math.floor(Date.now() / 1000);
  const start = end - options.minutes * 60;
  const stepSeconds = Math.max(5, Math.round((options.minutes * 60) / 240));
  const rendered: RenderedPreview[] = [];
  for (const preview of previewPanels()) {
    const values: { time: string; series: string; value: number }[] = [];
    for (const q of preview.panel.queries) {
      const expr = forSystem(q.expr, options.system, `${Math.max(60, stepSeconds * 4)}s`);
      for (const series of await rangeQuery(options.prometheusUrl, expr, { start, end, stepSeconds })) {
        const name = legendOf(q.legend, series.metric) || q.legend;
        for (const [t, v] of series.values) {
          const value = Number(v);
          if (Number.isFinite(value))
            values.push({ time: new Date(t * 1000).toISOString(), series: name, value });
        }
      }
    }
    const svg = await renderSvg({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 560,
      height: 220,
      title: {
        text: preview.panel.title,
        subtitle: `${preview.dashboard} · ${options.system} · last ${options.minutes} min`,
      },
      data: { values },
      mark: { type: 'line', interpolate: 'monotone' },
      encoding: {
        x: { field: 'time', type: 'temporal', title: null },
        y: {
          field: 'value',
          type: 'quantitative',
          title: UNIT_TITLE[preview.panel.unit] ?? preview.panel.unit,
        },
        color: { field: 'series', type: 'nominal', title: null },
      },
    });
    rendered.push({ ...preview, points: values.length, svg });
  }
  return rendered;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      system: { type: 'string', default: 'npm-start' },
      minutes: { type: 'string', default: '15' },
      out: { type: 'string', default: PREVIEW_DIR },
    },
  });
  const prometheusUrl = process.env.PROMETHEUS_URL ?? localEndpoints(stackSettings()).prometheusUrl;
  const minutes = Number(values.minutes);
  if (!prometheusUrl || !values.system || !Number.isFinite(minutes) || minutes <= 0) {
    throw new Error('usage: npm run dashboards:preview -- [--system npm-start] [--minutes 15] [--out dir]');
  }
  process.stdout.write(
    `drawing ${previewPanels().length} panels of system '${values.system}' from ${prometheusUrl}…\n`,
  );
  const rendered = await renderPreviews({ prometheusUrl, system: values.system, minutes });
  mkdirSync(values.out, { recursive: true });
  for (const r of rendered) {
    writeFileSync(join(values.out, r.file), r.svg);
    process.stdout.write(
      `  ${r.points > 0 ? '✓' : '✗ no data'}  ${join(values.out, r.file)} (${r.points} points)\n`,
    );
  }
  const empty = rendered.filter((r) => r.points === 0);
  if (empty.length > 0) {
    process.stdout.write(
      `${empty.length} panel(s) had no data: is the system running and was there traffic? (npm start, then npm run demo)\n`,
    );
    process.exitCode = 1;
  }
};

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`✗ ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
