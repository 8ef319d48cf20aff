import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors';
import { stackSettings } from '../../stack/layout';
import type { Progress } from '../../stack/progress';
import { requireTool, run } from '../../stack/shell';
import { goEnv } from '../../stack/go';

/**
 * The offline checks' tools, built or installed once into the stack's cache
 * (~/.cache/orderstream) and pinned, so a warm check starts at once.
 */
export const KUSTOMIZE_MODULE = 'sigs.k8s.io/kustomize/kustomize/v5';
export const KUSTOMIZE_VERSION = 'v5.8.0';
export const KUBERNETES_VALIDATE = 'kubernetes-validate==1.37.0';
/** The Kubernetes version whose bundled schemas the core kinds are checked against. */
export const KUBERNETES_VERSION = '1.37.0';

export const ensureKustomize = async (progress: Progress): Promise<string> => {
  const { layout } = stackSettings();
  const binary = join(layout.binDir, `kustomize-${KUSTOMIZE_VERSION}`);
  if (existsSync(binary)) return binary;
  const go = requireTool('go', 'install Go 1.22+ to build kustomize from its Go module');
  const t0 = Date.now();
  const gobin = join(layout.toolDir, `kustomize-${KUSTOMIZE_VERSION}-bin`);
  mkdirSync(layout.logDir, { recursive: true });
  mkdirSync(layout.binDir, { recursive: true });
  rmSync(gobin, { recursive: true, force: true });
  progress.step('k8s', `building kustomize ${KUSTOMIZE_VERSION} from its Go module (first time only)`);
  await run(go, ['install', `${KUSTOMIZE_MODULE}@${KUSTOMIZE_VERSION}`], {
    service: 'k8s',
    progress,
    logFile: join(layout.logDir, 'provision-kustomize.log'),
    env: { ...goEnv(layout), GOBIN: gobin },
  });
  renameSync(join(gobin, 'kustomize'), binary);
  rmSync(gobin, { recursive: true, force: true });
  progress.done('k8s', `kustomize ${KUSTOMIZE_VERSION} built at ${binary}`, t0);
  return binary;
};

/** kubernetes-validate from PyPI in a virtualenv of its own, as bin/fuzz.ts installs schemathesis. */
export const ensureKubernetesValidate = async (progress: Progress): Promise<string> => {
  const { layout } = stackSettings();
  const venv = join(layout.toolDir, 'kubernetes-validate-venv');
  const cli = join(venv, 'bin', 'kubernetes-validate');
  const stamp = join(venv, `.${KUBERNETES_VALIDATE}`);
  if (existsSync(cli) && existsSync(stamp)) return cli;
  const t0 = Date.now();
  mkdirSync(layout.logDir, { recursive: true });
  const logFile = join(layout.logDir, 'provision-kubernetes-validate.log');
  progress.step('k8s', `installing ${KUBERNETES_VALIDATE} from PyPI into ${venv}`);
  const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : 'python';
  rmSync(venv, { recursive: true, force: true });
  await run(python, ['-m', 'venv', venv], { logFile, service: 'k8s', progress });
  await run(join(venv, 'bin', 'pip'), ['install', '--quiet', KUBERNETES_VALIDATE], {
    logFile,
    service: 'k8s',
    progress,
  });
  if (!existsSync(cli))
    throw new PrerequisiteError(`${KUBERNETES_VALIDATE} installed no ${cli}; see ${logFile}`);
  writeFileSync(stamp, new Date().toISOString());
  progress.done('k8s', `${KUBERNETES_VALIDATE} ready`, t0);
  return cli;
};
