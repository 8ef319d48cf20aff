import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promtoolBinary } from '../../stack/services/prometheus';

const DIR = __dirname;

const promtool = (args: string[], cwd = DIR) => {
  const result = spawnSync(promtoolBinary(), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

describe('alert rules (promtool from the provisioned prometheus package)', () => {
  it('are valid rules: promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', 'alerts.yml']);
    expect({ status, output }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS: 8 rules found'),
    });
  });

  it('raise exactly the expected alerts on the test series: promtool test rules', () => {
    const { status, output } = promtool(['test', 'rules', 'alerts.test.yml']);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('the rule tests fail when a threshold is wrong (they test something)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orderstream-rules-'));
    try {
      copyFileSync(join(DIR, 'alerts.test.yml'), join(dir, 'alerts.test.yml'));
      const alerts = readFileSync(join(DIR, 'alerts.yml'), 'utf8');
      const loosened = alerts.replace('> 60', '> 600');
      expect(loosened).not.toBe(alerts);
      writeFileSync(join(dir, 'alerts.yml'), loosened);
      const { status, output } = promtool(['test', 'rules', 'alerts.test.yml'], dir);
      expect(status).not.toBe(0);
      expect(output).toContain('alertname: OrderstreamProjectionLagHigh');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
