import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { CheckReport } from './check';

/**
 * The offline manifest checks as CI runs them: kustomize is built and kubernetes-validate
 * installed if the cache lacks them, and a tool that cannot be had fails this test (it never skips).
 */
describe('k8s manifests', () => {
  it('every overlay builds, validates and keeps the policy', () => {
    const root = join(__dirname, '..', '..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'check.ts'), '--json'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    if (!last.startsWith('{')) throw new Error(`k8s:check did not run (exit ${run.status}):\n${run.stderr}`);
    const report = JSON.parse(last) as CheckReport;
    expect(report.stale).toEqual([]);
    expect(report.overlays.map((o) => o.overlay)).toEqual(['local', 'production']);
    for (const o of report.overlays) {
      expect({ overlay: o.overlay, failures: o.failures }).toEqual({ overlay: o.overlay, failures: [] });
      expect(o.byValidator.core + o.byValidator.crdSchema + o.byValidator.strimziStructure).toBe(o.objects);
      expect(o.kinds.Deployment).toBeGreaterThanOrEqual(12);
      expect(o.kinds.KafkaTopic).toBeGreaterThan(0);
    }
    expect(report.overlays.find((o) => o.overlay === 'production')!.kinds.Rollout).toBe(2);
    expect(run.status).toBe(0);
  }, 600_000);
});
