import { createMetrics, metricName } from './metrics';

describe('createMetrics', () => {
  it('prefixes names and shares a metric asked for twice', async () => {
    const metrics = createMetrics({ service: 'svc', defaultMetrics: false });
    const a = metrics.counter({
      name: 'events_appended_total',
      help: 'Events appended',
      labelNames: ['aggregate'],
    });
    const b = metrics.counter({ name: 'orderstream_events_appended_total', help: 'Events appended' });
    expect(b).toBe(a);
    a.inc({ aggregate: 'order' }, 2);
    const text = await metrics.registry.metrics();
    expect(text).toContain('orderstream_events_appended_total{aggregate="order",service="svc"} 2');
  });

  it('refuses the same name as a different type', () => {
    const metrics = createMetrics({ service: 'svc', defaultMetrics: false });
    metrics.gauge({ name: 'lag', help: 'lag' });
    expect(() => metrics.counter({ name: 'lag', help: 'lag' })).toThrow(/different type/);
  });

  it('keeps services in one process apart and prefixes default metrics', async () => {
    const one = createMetrics({ service: 'one' });
    const two = createMetrics({ service: 'two', defaultMetrics: false });
    one.httpRequestDuration.observe({ method: 'GET', route: '/x', status: '200' }, 0.01);
    expect(await two.registry.metrics()).not.toContain('route="/x"');
    const text = await one.registry.metrics();
    expect(text).toContain('orderstream_process_cpu_seconds_total');
    expect(text).toMatch(/^orderstream_[a-z_]+/m);
    expect(
      text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('orderstream_')),
    ).toEqual([]);
  });

  it('normalises names', () => {
    expect(metricName('x_total')).toBe('orderstream_x_total');
    expect(metricName('orderstream_x_total')).toBe('orderstream_x_total');
  });
});
