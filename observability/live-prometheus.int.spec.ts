import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listProducts } from '../domain/catalog/catalog';
import { startLoad, type Load } from '../chaos/load';
import { dashboardQueries, forSystem } from './grafana/dashboard-queries';
import { previewPanels } from './grafana/preview';
import { eventually } from '../test/support/eventually';
import { prometheusApi, type PrometheusApi } from './testing/prometheus-api';
import { settledCommand } from '../test/support/command-reply';
import { startObservedSystem, type ObservedSystem } from './testing/observed-system';
import { testAuth } from '../test/support/auth';

jest.setTimeout(600_000);

/**
 * The shipped dashboards and one shipped alert against the stack's live Prometheus: `npm start`
 * (own topic prefix and ports) writes its scrape targets, an order load runs, and every panel
 * query of every dashboard JSON must answer with data for this system; then the payment gateway
 * is stopped (SIGSTOP) while orders flow and the breaker alert must go pending or firing.
 */
describe('dashboards and alerts on a live Prometheus', () => {
  let prometheus: PrometheusApi;
  let system: ObservedSystem;
  let load: Load | undefined;
  let reading = true;
  let reader: Promise<void> | undefined;

  beforeAll(async () => {
    const url = process.env.PROMETHEUS_URL;
    if (!url) throw new Error('PROMETHEUS_URL is not set: the global setup starts the stack Prometheus');
    prometheus = prometheusApi(url);
    // Short external timeouts so a stopped gateway trips the breaker within seconds.
    system = await startObservedSystem({ EXTERNAL_TIMEOUT_MS: '400', EXTERNAL_RETRIES: '1' });
    // Some failures and declines, so retries, failed calls and cancellations have series too.
    const failures = await fetch(`${system.url('payment-gateway')}/admin/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 0.2, declineRate: 0.2 }),
    });
    expect(failures.status).toBeLessThan(300);
    load = startLoad({ commandApi: system.url('command-api'), rate: 4, patienceMs: 20_000 });
    // Readers of the orders (as an operator), twice each, so the query API's cache sees misses and hits.
    const operator = await (await testAuth()).headers('operator', 'observe-reader');
    reader = (async () => {
      const seen = new Set<string>();
      while (reading) {
        for (const order of load?.orders() ?? []) {
          if (!order.orderId || seen.has(order.orderId)) continue;
          seen.add(order.orderId);
          for (let i = 0; i < 2; i += 1)
            await fetch(`${system.url('query-api')}/api/queries/orders/${order.orderId}`, {
              headers: operator,
            }).catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  });

  afterAll(async () => {
    reading = false;
    await reader;
    await load?.stop();
    await system?.close();
  });

  it('Prometheus scrapes every process npm start runs, found from the targets file', async () => {
    const processes = await eventually(
      'all seven processes up in Prometheus',
      async () => {
        const up = await prometheus.query(`up{job="orderstream", system="${system.system}"} == 1`);
        const names = up.samples.map((s) => s.metric.process).sort();
        return names.length === 7 ? names : undefined;
      },
      60_000,
      async () => JSON.stringify(await prometheus.targets()),
    );
    expect(processes).toEqual(
      [
        'command-api',
        'carrier',
        'notifications',
        'payment-gateway',
        'processors',
        'projections',
        'query-api',
      ].sort(),
    );
  });

  it('every panel of every dashboard answers with data', async () => {
    // Orders have gone all the way through the saga, as seen by Prometheus.
    await eventually(
      'completed and cancelled sagas scraped',
      async () => {
        const outcomes = await prometheus.query(
          `sum by (outcome) (orderstream_saga_duration_seconds_count{system="${system.system}"}) > 0`,
        );
        return outcomes.samples.length === 2 ? true : undefined;
      },
      180_000,
      () => system.output().slice(-20).join('\n'),
    );
    const queries = dashboardQueries(join(__dirname, 'grafana', 'dashboards'));
    expect(queries.length).toBeGreaterThan(30);
    let failing: string[] = [];
    const evaluate = async (): Promise<string[]> => {
      const problems: string[] = [];
      for (const q of queries) {
        const answer = await prometheus.query(forSystem(q.expr, system.system));
        // A window without observations gives NaN quantiles: no data to draw either.
        const numbers = answer.samples.filter((s) => !Number.isNaN(Number(s.value[1])));
        if (answer.error !== undefined || numbers.length === 0)
          problems.push(`${q.dashboard} / ${q.panel} [${q.refId}]: ${answer.error ?? 'no data'}  ${q.expr}`);
      }
      return problems;
    };
    // Series appear as they are first touched; give every panel until the deadline, no longer.
    await eventually(
      'every panel with data',
      async () => {
        failing = await evaluate();
        return failing.length === 0 ? true : undefined;
      },
      90_000,
      () => `\n${failing.join('\n')}`,
    );
    expect(failing).toEqual([]);
  });

  it('draws the preview pictures from the same live data (npm run dashboards:preview)', () => {
    // As a user runs it: vega is an ES module, which Jest's CommonJS runtime cannot load.
    const out = mkdtempSync(join(tmpdir(), 'orderstream-previews-'));
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, 'grafana', 'preview.ts'),
        `--system=${system.system}`,
        '--minutes=5',
        `--out=${out}`,
      ],
      { encoding: 'utf8', env: { ...process.env, PROMETHEUS_URL: prometheus.url }, timeout: 120_000 },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    for (const { file, panel } of previewPanels()) {
      const svg = readFileSync(join(out, file), 'utf8');
      expect(svg).toMatch(/^<svg[^>]*>/);
      // A drawn line, under its panel's title.
      expect(svg).toContain('role-mark');
      expect(svg).toContain(panel.title.split(' ')[0]);
    }
  });

  it('the shipped breaker alert goes pending or firing when the payment gateway stops, and failed calls carry the order correlation', async () => {
    await fetch(`${system.url('payment-gateway')}/admin/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 0, declineRate: 0 }),
    });
    // The load's injected errors may have opened the breaker already (a busy machine turns slow
    // answers into timeouts): wait until it has closed and the alert is quiet, so the alert that
    // follows is the stop's doing.
    const breakerAlerts = async () =>
      (await prometheus.alerts()).filter(
        (a) => a.labels.alertname === 'OrderstreamCircuitBreakerOpen' && a.labels.system === system.system,
      );
    await eventually(
      'breaker alert quiet with the gateway healthy',
      async () => ((await breakerAlerts()).length === 0 ? true : undefined),
      120_000,
      async () => JSON.stringify(await breakerAlerts()),
    );
    system.signal('payment-gateway', 'SIGSTOP');
    try {
      const alert = await eventually(
        'OrderstreamCircuitBreakerOpen pending or firing',
        async () =>
          (await prometheus.alerts()).find(
            (a) =>
              a.labels.alertname === 'OrderstreamCircuitBreakerOpen' &&
              a.labels.system === system.system &&
              (a.state === 'pending' || a.state === 'firing'),
          ),
        120_000,
        async () => JSON.stringify(await prometheus.alerts()),
      );
      expect(alert.labels).toMatchObject({
        breaker: 'payment-gateway',
        service: 'processors',
        severity: 'critical',
      });

      // One order of our own, with a known correlation id: the processors' failed gateway call
      // for it is logged inside that correlation, so the diagnostics find it by id.
      const correlationId = `observe-${randomUUID()}`;
      const auth = await testAuth();
      const customer = await auth.headers('customer', 'observe-correlation');
      // The machine is busy (the gateway is stopped, other suites run beside this one): a reply
      // later than the request's timeout answers 202, and the outcome is polled as a client would.
      const send = (path: string, body: unknown) =>
        settledCommand(
          () =>
            fetch(`${system.url('command-api')}${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId, ...customer },
              body: JSON.stringify(body),
            }),
          system.url('command-api'),
          customer,
        );
      const sku = listProducts()[0]?.sku as string;
      const created = await send('/api/commands/orders/create', { items: [{ sku, quantity: 1 }] });
      expect(created.status).toBe(201);
      expect((await send(`/api/commands/orders/${String(created.json.orderId)}/place`, {})).status).toBe(200);
      const lines = await eventually(
        'the failed gateway call logged with the order correlation id',
        async () => {
          const res = await fetch(
            `${system.url('processors')}/api/diagnostics/logs?correlationId=${correlationId}`,
            { headers: await auth.headers('admin', 'observe-admin') },
          );
          const body = (await res.json()) as { lines: { msg: string; correlationId?: string }[] };
          return body.lines.some((l) => l.msg.startsWith('external call failed')) ? body.lines : undefined;
        },
        60_000,
      );
      expect(lines.every((l) => l.correlationId === correlationId)).toBe(true);
    } finally {
      system.signal('payment-gateway', 'SIGCONT');
    }
  });
});
