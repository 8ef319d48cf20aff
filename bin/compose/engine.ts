import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { which } from '../../stack/shell';
import { output, step, VerifyPrerequisiteError } from './shell';

export interface Engine {
  /** Whether this run started the engine (and so stops it at the end). */
  started: boolean;
  stop(): Promise<void>;
}

const APT_HINT =
  "install Debian's engine, debootstrap and compose: apt-get install -y docker.io debootstrap docker-compose";

export const engineReachable = (): boolean =>
  output('docker', ['info', '--format', '{{.ServerVersion}}']) !== undefined;

/**
 * Uses the engine that answers, or starts Debian's dockerd the way this machine kind runs it
 * (DESIGN §10): no bridge, no iptables, so every container uses host networking.
 */
export const ensureEngine = async (workDir: string): Promise<Engine> => {
  if (!which('docker')) throw new VerifyPrerequisiteError(`no docker CLI on PATH: ${APT_HINT}`);
  if (engineReachable()) {
    step(
      `using the running engine (${output('docker', ['info', '--format', '{{.ServerVersion}}'])}); it stays up`,
    );
    return { started: false, stop: async () => {} };
  }
  const dockerd = which('dockerd');
  if (!dockerd) throw new VerifyPrerequisiteError(`no dockerd on PATH: ${APT_HINT}`);
  const logFile = join(workDir, 'dockerd.log');
  step(`starting dockerd --bridge=none --iptables=false (log: ${logFile})`);
  const log = openSync(logFile, 'a');
  const child = spawn(dockerd, ['--bridge=none', '--iptables=false'], {
    stdio: ['ignore', log, log],
    detached: true,
  });
  child.unref();
  const deadline = Date.now() + 60_000;
  while (!engineReachable()) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new VerifyPrerequisiteError(`dockerd did not come up: see ${logFile}`);
    await sleep(500);
  }
  return {
    started: true,
    async stop() {
      step(`stopping dockerd (pid ${child.pid}) and the containerd it started`);
      child.kill('SIGTERM');
      const until = Date.now() + 30_000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < until) await sleep(250);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
};
