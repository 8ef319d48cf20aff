import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ALERTS_FILE, PROMETHEUS_RULE_FILE, renderPrometheusRule } from './prometheus-rule';

describe('PrometheusRule manifest', () => {
  it('is up to date with alerts.yml (npm run alerts:k8s)', () => {
    expect(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')).toBe(renderPrometheusRule());
  });

  it('carries exactly the groups and rules of alerts.yml', () => {
    const manifest = parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')) as { kind: string; spec: unknown };
    expect(manifest.kind).toBe('PrometheusRule');
    expect(manifest.spec).toEqual(parse(readFileSync(ALERTS_FILE, 'utf8')));
  });
});
