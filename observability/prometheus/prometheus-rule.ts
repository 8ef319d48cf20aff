import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ALERTS_FILE = join(__dirname, 'alerts.yml');
export const PROMETHEUS_RULE_FILE = join(__dirname, '..', '..', 'k8s', 'monitoring', 'prometheus-rule.yaml');

/**
 * The Prometheus Operator's PrometheusRule carrying alerts.yml's groups unchanged: its
 * `spec` is the rules file itself, indented, so the two can never say different things.
 */
export const renderPrometheusRule = (alerts: string = readFileSync(ALERTS_FILE, 'utf8')): string => {
  const body = alerts
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .trim();
  if (!body.startsWith('groups:')) throw new Error('alerts.yml must start with `groups:`');
  const indented = body
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');
  return [
    '# Generated from observability/prometheus/alerts.yml by `npm run alerts:k8s`; do not edit.',
    'apiVersion: monitoring.coreos.com/v1',
    'kind: PrometheusRule',
    'metadata:',
    '  name: orderstream-alerts',
    '  labels:',
    '    app.kubernetes.io/part-of: orderstream',
    '    role: alert-rules',
    'spec:',
    indented,
    '',
  ].join('\n');
};
