import uPlot from 'uplot';
import { consoleSettings } from '../api';
import { h } from '../dom';
import { parseMetrics, sum } from '../prometheus-text';

/** Sampling /metrics itself: often enough to show something within seconds of opening the page. */
const SAMPLE_MS = 2_000;
/** Prometheus keeps the history; asking again every 15 s (its scrape interval) is enough. */
const PROMETHEUS_MS = 15_000;
const WINDOW_POINTS = 120;

interface Series {
  times: number[];
  throughput: number[];
  sagaSeconds: (number | null)[];
}

interface PromRange {
  data: { result: { values: [number, string][] }[] };
}

const THROUGHPUT = 'sum(rate(orderstream_events_appended_total[1m]))';
const SAGA_P95 = 'histogram_quantile(0.95, sum by (le) (rate(orderstream_saga_duration_seconds_bucket[5m])))';

/** The last 30 minutes from Prometheus: events appended per second and the saga's p95 duration. */
async function fromPrometheus(base: string): Promise<Series> {
  const end = Math.floor(Date.now() / 1000);
  const range = async (query: string) => {
    const url = `${base}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${end - 1800}&end=${end}&step=15`;
    const res = (await (await fetch(url)).json()) as PromRange;
    return new Map((res.data.result[0]?.values ?? []).map(([t, v]) => [t, Number(v)]));
  };
  const [throughput, saga] = await Promise.all([range(THROUGHPUT), range(SAGA_P95)]);
  const times = [...new Set([...throughput.keys(), ...saga.keys()])].sort((a, b) => a - b);
  return {
    times,
    throughput: times.map((t) => throughput.get(t) ?? 0),
    sagaSeconds: times.map((t) => {
      const v = saga.get(t);
      return v === undefined || Number.isNaN(v) ? null : v;
    }),
  };
}

/**
 * Throughput and saga latency. With Prometheus configured the charts show its history; without,
 * the console samples the processes' /metrics every 2 s from the moment the page opens (the
 * saga's mean duration over each interval, since one process's buckets make no good quantile).
 */
export function renderCharts(main: HTMLElement): () => void {
  const state = h('p', { class: 'hint', role: 'status' });
  const throughputBox = h(
    'figure',
    { id: 'throughput-chart' },
    h('figcaption', {}, 'Events appended per second'),
  );
  const sagaBox = h(
    'figure',
    { id: 'saga-chart' },
    h('figcaption', {}, 'Saga duration, placed to ended (seconds)'),
  );
  main.append(h('h1', {}, 'Charts'), state, h('div', { class: 'charts' }, throughputBox, sagaBox));

  const width = () => Math.max(280, Math.min(main.clientWidth - 32, 900));
  const chart = (box: HTMLElement, label: string, stroke: string) =>
    new uPlot(
      {
        width: width(),
        height: 220,
        series: [{}, { label, stroke, width: 2, spanGaps: true }],
        axes: [{}, { size: 60 }],
      },
      [[], []],
      box,
    );
  const throughputChart = chart(throughputBox, 'events/s', '#2563eb');
  const sagaChart = chart(sagaBox, 'seconds', '#b45309');
  const show = (s: Series) => {
    throughputChart.setData([s.times, s.throughput]);
    sagaChart.setData([s.times, s.sagaSeconds]);
  };
  const onResize = () => {
    throughputChart.setSize({ width: width(), height: 220 });
    sagaChart.setSize({ width: width(), height: 220 });
  };
  window.addEventListener('resize', onResize);

  const prometheus = consoleSettings().prometheusUrl;
  const sampled: Series = { times: [], throughput: [], sagaSeconds: [] };
  let last: { at: number; events: number; sagaSum: number; sagaCount: number } | undefined;

  const sampleMetrics = async () => {
    const texts = await Promise.all(
      consoleSettings().services.map(({ url }) =>
        fetch(`${url}/metrics`)
          .then((r) => (r.ok ? r.text() : ''))
          .catch(() => ''),
      ),
    );
    const samples = parseMetrics(texts.join('\n'));
    const now = {
      at: Date.now() / 1000,
      events: sum(samples, 'orderstream_events_appended_total'),
      sagaSum: sum(samples, 'orderstream_saga_duration_seconds_sum'),
      sagaCount: sum(samples, 'orderstream_saga_duration_seconds_count'),
    };
    if (last) {
      const dt = now.at - last.at;
      const ended = now.sagaCount - last.sagaCount;
      sampled.times.push(now.at);
      sampled.throughput.push(Math.max(0, (now.events - last.events) / dt));
      sampled.sagaSeconds.push(ended > 0 ? (now.sagaSum - last.sagaSum) / ended : null);
      for (const list of [sampled.times, sampled.throughput, sampled.sagaSeconds])
        if (list.length > WINDOW_POINTS) list.shift();
      show(sampled);
    }
    last = now;
  };

  const tick = async () => {
    if (prometheus) {
      try {
        show(await fromPrometheus(prometheus));
        state.textContent = `From Prometheus (${prometheus}), the last 30 minutes.`;
        return;
      } catch {
        state.textContent = `Prometheus (${prometheus}) did not answer; sampling the processes' /metrics instead.`;
      }
    }
    await sampleMetrics();
    if (!prometheus)
      state.textContent = `No Prometheus configured: sampling the processes' /metrics every ${SAMPLE_MS / 1000} s since this page opened (${sampled.times.length} ${sampled.times.length === 1 ? 'point' : 'points'}, peak ${Math.max(0, ...sampled.throughput).toFixed(1)} events/s).`;
  };
  void tick();
  const timer = setInterval(() => void tick(), prometheus ? PROMETHEUS_MS : SAMPLE_MS);
  return () => {
    clearInterval(timer);
    window.removeEventListener('resize', onResize);
    throughputChart.destroy();
    sagaChart.destroy();
  };
}
