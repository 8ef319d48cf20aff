import { call, consoleSettings } from '../api';
import { fill, h, table } from '../dom';
import { parseMetrics } from '../prometheus-text';

interface HealthReport {
  status: string;
  checks?: Record<string, { status: string; error?: string }> | { name: string; status: string }[];
}
interface Breaker {
  name: string;
  state: string;
}

const checksOf = (report: HealthReport): string =>
  (Array.isArray(report.checks)
    ? report.checks.map((c) => `${c.name} ${c.status}`)
    : Object.entries(report.checks ?? {}).map(([name, c]) => `${name} ${c.status}`)
  ).join(', ');

/**
 * Every configured process: its health, its circuit breakers, and the lag it reports on /metrics
 * (consumer groups behind their topics, projections behind the events).
 */
export function renderHealth(main: HTMLElement): () => void {
  const body = h('div');
  const state = h('p', { class: 'hint', role: 'status' });
  main.append(h('h1', {}, 'Health'), state, body);

  const draw = async () => {
    const services = consoleSettings().services;
    if (services.length === 0) state.textContent = 'No services configured (CONSOLE_SERVICES).';
    const reports = await Promise.all(
      services.map(async ({ name, url }) => {
        // A down process answers 503 with the same report, so the body is read whatever the status.
        const health = await fetch(`${url}/health`)
          .then((r) => r.json() as Promise<HealthReport>)
          .catch((err: Error): HealthReport => ({ status: `unreachable (${err.message})` }));
        const breakers = await call<{ breakers?: Breaker[] } | Breaker[]>(
          `${url}/api/resilience/state`,
        ).catch(() => undefined);
        const metrics = await fetch(`${url}/metrics`)
          .then((r) => (r.ok ? r.text() : ''))
          .catch(() => '');
        return {
          name,
          health,
          breakers: Array.isArray(breakers) ? breakers : (breakers?.breakers ?? []),
          metrics,
        };
      }),
    );
    const lags = reports.flatMap(({ name, metrics }) =>
      parseMetrics(metrics)
        .filter(
          (s) => s.name === 'orderstream_consumer_lag' || s.name === 'orderstream_projection_lag_seconds',
        )
        .map((s) => ({ name, sample: s })),
    );
    state.textContent = `Checked ${new Date().toLocaleTimeString(undefined, { hour12: false })}.`;
    fill(
      body,
      table(
        'Processes',
        ['Process', 'Status', 'Checks'],
        reports.map((r) => [
          r.name,
          h('span', { class: `badge health-${r.health.status.split(' ')[0]}` }, r.health.status),
          checksOf(r.health),
        ]),
        { id: 'health-table' },
      ),
      table(
        'Circuit breakers',
        ['Process', 'Dependency', 'State'],
        reports.flatMap((r) =>
          r.breakers.map((b) => [r.name, b.name, h('span', { class: `badge breaker-${b.state}` }, b.state)]),
        ),
        { id: 'breakers-table' },
      ),
      table(
        'Lag',
        ['Process', 'What', 'Behind'],
        lags
          .filter(({ sample }) => sample.value > 0 || sample.name.endsWith('seconds'))
          .map(({ name, sample }) =>
            sample.name === 'orderstream_consumer_lag'
              ? [
                  name,
                  `${sample.labels.group} on ${sample.labels.topic}/${sample.labels.partition}`,
                  `${sample.value} ${sample.value === 1 ? 'record' : 'records'}`,
                ]
              : [name, `projection ${sample.labels.view}`, `${sample.value.toFixed(2)} s`],
          ),
        { id: 'lag-table' },
      ),
      h('p', { class: 'hint' }, 'Consumer groups with no lag are left out of the lag table.'),
    );
  };
  const refresh = () => void draw().catch((err: Error) => (state.textContent = err.message));
  refresh();
  const timer = setInterval(refresh, 5_000);
  return () => clearInterval(timer);
}
