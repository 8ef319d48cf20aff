import { quantile, rate, ratio, sel } from './promql';

/**
 * What each dashboard shows, as data: titles, units and PromQL. dashboards.ts turns this into
 * Grafana JSON with the foundation SDK; the panel test evaluates every query of that JSON
 * against a live Prometheus. `$system` is the deployment (a label from the scrape targets) and
 * `$__rate_interval` is Grafana's own rate window.
 */
export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description?: string;
  unit: string;
  kind?: 'timeseries' | 'stat';
  queries: PanelQuery[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  panels: PanelSpec[];
}

const HTTP = 'orderstream_http_request_duration_seconds';
const NOT_STREAMS = 'route!~".*/stream"';

const sagaPercentiles = (metric: string, by: string[] = []): PanelQuery[] =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: quantile(q, metric, by),
    legend: `p${Math.round(q * 100)}${by.map((l) => ` {{${l}}}`).join('')}`,
  }));

const errorRatio: PanelSpec = {
  title: 'HTTP 5xx ratio by service',
  unit: 'percentunit',
  queries: [{ expr: ratio(`${HTTP}_count`, 'status=~"5.."', ['service']), legend: '{{service}}' }],
};
const lagByGroup: PanelSpec = {
  title: 'Consumer lag by group',
  unit: 'short',
  queries: [{ expr: `sum by (group) (orderstream_consumer_lag${sel()})`, legend: '{{group}}' }],
};
const projectionLag: PanelSpec = {
  title: 'Projection lag by view',
  description: 'Age of the last event each read model applied, when it applied it.',
  unit: 's',
  queries: [{ expr: `max by (view) (orderstream_projection_lag_seconds${sel()})`, legend: '{{view}}' }],
};
const dlqDepth: PanelSpec = {
  title: 'Dead-letter depth by topic',
  unit: 'short',
  queries: [{ expr: `max by (topic) (orderstream_dlq_depth${sel()})`, legend: '{{topic}}' }],
};

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'orderstream-overview',
    title: 'orderstream / Overview',
    description: 'Orders, saga latency, errors and lag of one deployment at a glance.',
    panels: [
      {
        title: 'Orders per minute by outcome',
        unit: 'short',
        queries: [
          {
            expr: `sum by (outcome) (${rate('orderstream_saga_duration_seconds_count')}) * 60`,
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Saga duration, placed → terminal',
        unit: 's',
        queries: sagaPercentiles('orderstream_saga_duration_seconds'),
      },
      errorRatio,
      lagByGroup,
      projectionLag,
    ],
  },
  {
    uid: 'orderstream-command-side',
    title: 'orderstream / Command side',
    description: 'The command API and the command processors: commands, latency, events appended.',
    panels: [
      {
        title: 'Command API requests by route and status',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (route, status) (${rate(`${HTTP}_count`, 'service="command-api"')})`,
            legend: '{{route}} {{status}}',
          },
        ],
      },
      {
        title: 'Command round trip p95 by command',
        description: 'From publishing a command to its reply, as the command API waits for it.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'orderstream_command_duration_seconds', ['command']),
            legend: '{{command}}',
          },
        ],
      },
      {
        title: 'Commands handled by type and outcome',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (type, outcome) (${rate('orderstream_commands_total')})`,
            legend: '{{type}} {{outcome}}',
          },
        ],
      },
      {
        title: 'Events appended per aggregate',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (aggregate) (${rate('orderstream_events_appended_total')})`,
            legend: '{{aggregate}}',
          },
        ],
      },
      {
        title: 'Command batch p95 by aggregate',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'orderstream_command_batch_duration_seconds', ['aggregate']),
            legend: '{{aggregate}}',
          },
        ],
      },
    ],
  },
  {
    uid: 'orderstream-saga',
    title: 'orderstream / Saga',
    description: 'The choreography from OrderPlaced to a decision and to the end of the order.',
    panels: [
      {
        title: 'Placed → decided by outcome',
        unit: 's',
        queries: sagaPercentiles('orderstream_saga_decision_duration_seconds', ['outcome']),
      },
      {
        title: 'Placed → terminal by outcome',
        unit: 's',
        queries: sagaPercentiles('orderstream_saga_duration_seconds', ['outcome']),
      },
      {
        title: 'Step latency p95 (reserve, pay, ship, complete)',
        description: 'Each step from the end of the one before, from the orders’ own event times.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'orderstream_saga_step_duration_seconds', ['step']),
            legend: '{{step}}',
          },
        ],
      },
      {
        title: 'Saga reactions by event',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (event, outcome) (${rate('orderstream_saga_reactions_total')})`,
            legend: '{{event}} {{outcome}}',
          },
        ],
      },
      {
        title: 'Orders overdue past the saga deadline',
        unit: 'short',
        kind: 'stat',
        queries: [{ expr: `max(orderstream_saga_overdue_orders${sel()})`, legend: 'overdue' }],
      },
      {
        title: 'Deadline cancellations',
        unit: 'short',
        queries: [
          {
            expr: `sum(increase(orderstream_saga_deadline_cancellations_total${sel()}[$__rate_interval]))`,
            legend: 'cancelled at the deadline',
          },
        ],
      },
    ],
  },
  {
    uid: 'orderstream-read-side',
    title: 'orderstream / Read side',
    description: 'Projections into MongoDB and the query API over them.',
    panels: [
      projectionLag,
      {
        title: 'Events projected by view',
        unit: 'ops',
        queries: [
          { expr: `sum by (view) (${rate('orderstream_projected_events_total')})`, legend: '{{view}}' },
        ],
      },
      {
        title: 'Query latency p95 by route',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, HTTP, ['route'], `service="query-api", ${NOT_STREAMS}`),
            legend: '{{route}}',
          },
        ],
      },
      {
        title: 'View cache hit ratio',
        unit: 'percentunit',
        queries: [
          { expr: ratio('orderstream_cache_requests_total', 'result="hit"', ['view']), legend: '{{view}}' },
        ],
      },
      {
        title: 'MongoDB command p95 by service and command',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'orderstream_mongodb_operation_duration_seconds', ['service', 'command']),
            legend: '{{service}} {{command}}',
          },
        ],
      },
    ],
  },
  {
    uid: 'orderstream-kafka',
    title: 'orderstream / Kafka',
    description: 'Consumer groups behind their topics, and what was dead-lettered.',
    panels: [
      lagByGroup,
      {
        title: 'Consumer lag by group and partition',
        unit: 'short',
        queries: [
          {
            expr: `max by (group, topic, partition) (orderstream_consumer_lag${sel()})`,
            legend: '{{group}} {{topic}}/{{partition}}',
          },
        ],
      },
      dlqDepth,
    ],
  },
  {
    uid: 'orderstream-resilience',
    title: 'orderstream / Resilience',
    description: 'Breakers, retries and calls to the payment gateway, carrier and notification providers.',
    panels: [
      {
        title: 'Open circuit breakers',
        description: '1 while a breaker is open.',
        unit: 'short',
        queries: [
          {
            expr: `max by (service, breaker) (orderstream_circuit_breaker_state${sel('state="open"')})`,
            legend: '{{service}} {{breaker}}',
          },
        ],
      },
      {
        title: 'Retries by dependency',
        unit: 'ops',
        queries: [
          { expr: `sum by (dependency) (${rate('orderstream_retries_total')})`, legend: '{{dependency}}' },
        ],
      },
      {
        title: 'External calls by dependency and outcome',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (dependency, outcome) (${rate('orderstream_external_calls_total')})`,
            legend: '{{dependency}} {{outcome}}',
          },
        ],
      },
      {
        title: 'External call p95 by dependency',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'orderstream_external_call_duration_seconds', ['dependency']),
            legend: '{{dependency}}',
          },
        ],
      },
      {
        title: 'Fallbacks by kind',
        description:
          'Degraded answers given instead of failing: stale views, reads past the cache, in-memory rate limits.',
        unit: 'ops',
        queries: [
          { expr: `sum by (fallback) (${rate('orderstream_fallbacks_total')})`, legend: '{{fallback}}' },
        ],
      },
      dlqDepth,
    ],
  },
  {
    uid: 'orderstream-processes',
    title: 'orderstream / Processes',
    description: 'Every process Prometheus scrapes: up, CPU, memory, event loop.',
    panels: [
      {
        title: 'Processes up',
        unit: 'short',
        queries: [{ expr: `up{job="orderstream", system=~"$system"}`, legend: '{{process}}' }],
      },
      {
        title: 'CPU by service',
        unit: 'percentunit',
        queries: [
          {
            expr: `sum by (service) (${rate('orderstream_process_cpu_seconds_total')})`,
            legend: '{{service}}',
          },
        ],
      },
      {
        title: 'Resident memory by service',
        unit: 'bytes',
        queries: [
          {
            expr: `max by (service) (orderstream_process_resident_memory_bytes${sel()})`,
            legend: '{{service}}',
          },
        ],
      },
      {
        title: 'Event loop lag p99 by service',
        unit: 's',
        queries: [
          {
            expr: `max by (service) (orderstream_nodejs_eventloop_lag_p99_seconds${sel()})`,
            legend: '{{service}}',
          },
        ],
      },
      {
        title: 'Heap used by service',
        unit: 'bytes',
        queries: [
          {
            expr: `max by (service) (orderstream_nodejs_heap_size_used_bytes${sel()})`,
            legend: '{{service}}',
          },
        ],
      },
    ],
  },
];
