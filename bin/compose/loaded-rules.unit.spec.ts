import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { declaredAlerts, missingAlerts } from './loaded-rules';

const alertsYml = parse(
  readFileSync(join(__dirname, '..', '..', 'observability', 'prometheus', 'alerts.yml'), 'utf8'),
) as unknown;

const answer = (names: string[]): unknown => ({
  status: 'success',
  data: {
    groups: [
      {
        name: 'orderstream',
        rules: [
          ...names.map((name) => ({ type: 'alerting', name, state: 'inactive' })),
          { type: 'recording', name: 'orderstream:something:rate5m' },
        ],
      },
    ],
  },
});

describe('alert rules loaded by a running Prometheus', () => {
  it('reads every alert of the shipped alerts.yml', () => {
    const names = declaredAlerts(alertsYml);
    expect(names.length).toBeGreaterThan(3);
    expect(names).toContain('OrderstreamHighErrorRatio');
    expect(new Set(names).size).toBe(names.length);
  });

  it('finds nothing missing when every alert is listed', () => {
    expect(missingAlerts(alertsYml, answer(declaredAlerts(alertsYml))).missing).toEqual([]);
  });

  it('names the alerts a Prometheus without the rule file lacks', () => {
    const names = declaredAlerts(alertsYml);
    expect(missingAlerts(alertsYml, answer([])).missing).toEqual(names);
    expect(missingAlerts(alertsYml, answer(names.slice(1))).missing).toEqual([names[0]]);
  });

  it('does not count a recording rule of the same name as a loaded alert', () => {
    const recording = {
      status: 'success',
      data: { groups: [{ rules: [{ type: 'recording', name: 'OrderstreamHighErrorRatio' }] }] },
    };
    expect(missingAlerts(alertsYml, recording).missing).toContain('OrderstreamHighErrorRatio');
  });

  it('refuses an error answer and a file without alerts', () => {
    expect(() => missingAlerts(alertsYml, { status: 'error', error: 'x' })).toThrow(/not a successful/);
    expect(() => missingAlerts({ groups: [] }, answer(['A']))).toThrow(/declares no alert/);
    expect(() => declaredAlerts({})).toThrow(/no groups/);
  });
});
