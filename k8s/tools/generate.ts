import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { stringify } from 'yaml';
import { ROLES, SIMULATORS } from './roles';
import { kafkaTopics, networkPolicy, roleObjects, type K8sObject } from './render';

/**
 * The manifests derived from data: one file per role (roles.ts) and the KafkaTopics
 * (topics/topics.json). `npm run k8s:generate` writes them; a unit test fails when the
 * committed files differ, so topics.json stays the one source of truth.
 */
export const K8S_DIR = join(__dirname, '..');

const header = (source: string): string =>
  `# Generated from ${source} by \`npm run k8s:generate\`: edit the source, not this file.\n`;

const documents = (objects: K8sObject[]): string =>
  objects.map((o) => stringify(o, { lineWidth: 0, sortMapEntries: false })).join('---\n');

const kustomization = (resources: string[]): string =>
  stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources });

export const generatedFiles = (): Map<string, string> => {
  const files = new Map<string, string>();
  const rolesSource = 'k8s/tools/roles.ts';
  for (const [dir, roles] of [
    ['base/roles', ROLES],
    ['overlays/local/simulators', SIMULATORS],
  ] as const) {
    for (const role of roles) {
      files.set(
        `${dir}/${role.name}.yaml`,
        header(rolesSource) + documents([...roleObjects(role), networkPolicy(role)]),
      );
    }
    files.set(
      `${dir}/kustomization.yaml`,
      header(rolesSource) + kustomization(roles.map((r) => `${r.name}.yaml`)),
    );
  }
  files.set('base/kafka/topics.yaml', header('topics/topics.json') + documents(kafkaTopics()));
  return files;
};

export const readCommitted = (path: string): string | undefined => {
  try {
    return readFileSync(join(K8S_DIR, path), 'utf8');
  } catch {
    return undefined;
  }
};

if (require.main === module) {
  for (const [path, content] of generatedFiles()) {
    const target = join(K8S_DIR, path);
    mkdirSync(dirname(target), { recursive: true });
    if (readCommitted(path) !== content) {
      writeFileSync(target, content);
      process.stdout.write(`wrote ${relative(process.cwd(), target)}\n`);
    }
  }
}
