import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { consoleProgress, silentProgress, type Progress } from '../../stack/progress';
import { crdModelFor, crdViolations } from './crd-schemas';
import { generatedFiles, K8S_DIR, readCommitted } from './generate';
import { policyViolations } from './policy';
import { SESSION_TIMEOUT_S, type K8sObject } from './render';
import { partitionCounts } from './roles';
import { STRIMZI_KINDS, strimziViolations } from './strimzi';
import { ensureKubernetesValidate, ensureKustomize, KUBERNETES_VERSION } from './tools';

/**
 * `npm run k8s:check`: the manifests checked offline. Every overlay is built with kustomize;
 * core kinds are validated strictly against Kubernetes' schemas (kubernetes-validate), operator
 * kinds against their CRD schemas or, for Strimzi, their required structure; then the policy
 * (probes, limits, non-root, PDBs, replica caps within partition counts) runs over the result.
 */
export const OVERLAYS = ['local', 'production'] as const;

export interface OverlayReport {
  overlay: string;
  objects: number;
  byValidator: { core: number; crdSchema: number; strimziStructure: number };
  kinds: Record<string, number>;
  failures: string[];
}

export interface CheckReport {
  overlays: OverlayReport[];
  /** Generated files that differ from what the generator writes now. */
  stale: string[];
  seconds: number;
}

const build = (kustomize: string, overlay: string): K8sObject[] => {
  const out = spawnSync(kustomize, ['build', join(K8S_DIR, 'overlays', overlay)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`kustomize build overlays/${overlay} failed: ${out.stderr}`);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
};

/** Runs kubernetes-validate over the core objects; every line it prints about a failure is one. */
const validateCore = (cli: string, objects: K8sObject[], dir: string, overlay: string): string[] => {
  if (objects.length === 0) return [];
  const file = join(dir, `${overlay}-core.yaml`);
  // JSON documents: the validator's YAML 1.1 parser would read a bare `off` as false.
  writeFileSync(file, objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  const out = spawnSync(cli, ['--strict', '--quiet', '-k', KUBERNETES_VERSION, file], { encoding: 'utf8' });
  const lines = `${out.stdout}\n${out.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('ERROR') || l.startsWith('WARN') || l.startsWith('Traceback'));
  if (out.status !== 0 && lines.length === 0)
    lines.push(`kubernetes-validate exited ${out.status}: ${out.stderr}`);
  return lines.map((l) => l.replace(file, `overlays/${overlay}`));
};

/** Generated files compare as parsed YAML: the formatter may re-flow them, never change them. */
const sameYaml = (a: string, b: string): boolean =>
  JSON.stringify(parseAllDocuments(a).map((d) => d.toJS())) ===
  JSON.stringify(parseAllDocuments(b).map((d) => d.toJS()));

export const staleGeneratedFiles = (): string[] =>
  [...generatedFiles()]
    .filter(([path, content]) => {
      const committed = readCommitted(path);
      return committed === undefined || !sameYaml(committed, content);
    })
    .map(([path]) => `k8s/${path}`);

export const checkManifests = async (progress: Progress = silentProgress): Promise<CheckReport> => {
  const t0 = Date.now();
  // Side by side on a cold cache; both settle before a failure is reported, so nothing is left half-installed.
  const [built, installed] = await Promise.allSettled([
    ensureKustomize(progress),
    ensureKubernetesValidate(progress),
  ]);
  if (built.status === 'rejected') throw built.reason;
  if (installed.status === 'rejected') throw installed.reason;
  const [kustomize, validator] = [built.value, installed.value];
  const dir = mkdtempSync(join(tmpdir(), 'orderstream-k8s-'));
  const partitions = partitionCounts();
  const overlays: OverlayReport[] = [];
  try {
    for (const overlay of OVERLAYS) {
      const objects = build(kustomize, overlay);
      const core = objects.filter(isCore);
      const crd = objects.filter((o) => crdModelFor(o));
      const strimzi = objects.filter((o) => STRIMZI_KINDS.has(o.kind));
      const unknown = objects.filter((o) => !core.includes(o) && !crd.includes(o) && !strimzi.includes(o));
      const failures = [
        ...unknown.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}: no validator knows this kind`),
        ...validateCore(validator, core, dir, overlay),
        ...(await Promise.all(crd.map(crdViolations))).flat(),
        ...strimzi.flatMap(strimziViolations),
        ...policyViolations(objects, { partitions, sessionTimeoutS: SESSION_TIMEOUT_S }),
      ];
      const kinds: Record<string, number> = {};
      for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
      overlays.push({
        overlay,
        objects: objects.length,
        byValidator: { core: core.length, crdSchema: crd.length, strimziStructure: strimzi.length },
        kinds,
        failures,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { overlays, stale: staleGeneratedFiles(), seconds: (Date.now() - t0) / 1000 };
};

/** Kubernetes' own API groups: the core group (`v1`) and the dotless or *.k8s.io groups. */
const isCore = (o: K8sObject): boolean => {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
};

if (require.main === module) {
  const json = process.argv.includes('--json');
  checkManifests(json ? silentProgress : consoleProgress())
    .then((report) => {
      let failed = report.stale.length > 0;
      if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
      for (const o of report.overlays) {
        const v = o.byValidator;
        const line = `overlays/${o.overlay}: ${o.objects} objects (${v.core} core schema, ${v.crdSchema} CRD schema, ${v.strimziStructure} Strimzi structure), ${o.failures.length} failures`;
        process.stderr.write(`${o.failures.length ? '✗' : '✓'} ${line}\n`);
        for (const f of o.failures) process.stderr.write(`    ${f}\n`);
        failed ||= o.failures.length > 0;
      }
      for (const s of report.stale)
        process.stderr.write(`✗ ${s} differs from its source: run npm run k8s:generate\n`);
      process.stderr.write(`k8s:check ${failed ? 'failed' : 'passed'} in ${report.seconds.toFixed(1)}s\n`);
      process.exitCode = failed ? 1 : 0;
    })
    .catch((err: unknown) => {
      process.stderr.write(`k8s:check could not run: ${(err as Error).message}\n`);
      process.exitCode = 2;
    });
}
