import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PROMETHEUS_RULE_FILE, renderPrometheusRule } from './prometheus-rule';

mkdirSync(dirname(PROMETHEUS_RULE_FILE), { recursive: true });
writeFileSync(PROMETHEUS_RULE_FILE, renderPrometheusRule());
process.stdout.write(`wrote ${PROMETHEUS_RULE_FILE}\n`);
