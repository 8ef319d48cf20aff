import { parseConsoleServices } from './console-routes';
import { redriveRefusal } from '../lib/adapters/kafka/redrive-policy';
import { parseMetrics, sum } from '../console/src/prometheus-text';

describe('CONSOLE_SERVICES', () => {
  it('reads name=url pairs, without trailing slashes', () => {
    expect(parseConsoleServices('command-api=http://127.0.0.1:8081/, processors=http://h:9100')).toEqual([
      { name: 'command-api', url: 'http://127.0.0.1:8081' },
      { name: 'processors', url: 'http://h:9100' },
    ]);
    expect(parseConsoleServices(undefined)).toEqual([]);
  });

  it('refuses an entry without a name or an http(s) URL', () => {
    expect(() => parseConsoleServices('http://127.0.0.1:8081')).toThrow(/not name=http/);
    expect(() => parseConsoleServices('api=ftp://x')).toThrow(/api=ftp/);
  });
});

describe('re-drive policy', () => {
  it('refuses groups whose dead letters are events still in the store, and only those', () => {
    expect(redriveRefusal('projections')).toMatch(/replay/);
    expect(redriveRefusal('tracking-poller')).toMatch(/restart the processors/);
    expect(redriveRefusal('orders-command-processor')).toBeUndefined();
    expect(redriveRefusal('saga')).toBeUndefined();
  });
});

describe("the console's /metrics reader", () => {
  const text = [
    '# HELP orderstream_consumer_lag Records behind',
    '# TYPE orderstream_consumer_lag gauge',
    'orderstream_consumer_lag{group="saga",topic="orders.events",partition="0"} 3',
    'orderstream_consumer_lag{group="saga",topic="orders.events",partition="1"} 4',
    'orderstream_consumer_lag{group="projections",topic="orders.events",partition="0"} 1',
    'orderstream_events_appended_total 12',
    'not a sample',
  ].join('\n');

  it('parses samples with their labels and skips comments and junk', () => {
    const samples = parseMetrics(text);
    expect(samples).toHaveLength(4);
    expect(samples[0]).toEqual({
      name: 'orderstream_consumer_lag',
      labels: { group: 'saga', topic: 'orders.events', partition: '0' },
      value: 3,
    });
  });

  it('sums a metric over the samples whose labels match', () => {
    const samples = parseMetrics(text);
    expect(sum(samples, 'orderstream_consumer_lag', { group: 'saga' })).toBe(7);
    expect(sum(samples, 'orderstream_consumer_lag')).toBe(8);
    expect(sum(samples, 'orderstream_events_appended_total')).toBe(12);
  });
});
