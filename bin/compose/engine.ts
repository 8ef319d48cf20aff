import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { which } from '../../stack/shell';
import { output, step, VerifyPrerequisiteError } from './shell';

export interface Engine {
  /** Where the engine listens (`unix://…`): every docker, compose and testcontainers child gets it. */
  host: string;
  /** Whether this run started the engine (and so stops it at the end). */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * The project's own engine: socket, images, containers, runtime state and pid record under the
 * cache dir. Never the default socket: other runs on this machine pick Docker whenever
 * /var/run/docker.sock answers (stack/finder.ts), so an engine there would move their tests.
 */
export interface EnginePaths {
  dir: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  pidFile: string;
  logFile: string;
}

export const enginePaths = (cacheDir: string): EnginePaths => {
  const dir = join(cacheDir, 'docker');
  return {
    dir,
    socket: join(dir, 'docker.sock'),
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'exec'),
    pidFile: join(dir, 'dockerd.pid'),
    logFile: join(dir, 'dockerd.log'),
  };
};

export const engineHost = (paths: EnginePaths): string => `unix://${paths.socket}`;

/**
 * dockerd the way this machine kind runs it (DESIGN §10): no bridge, no iptables, so every
 * container uses host networking; and everything it keeps in the project's cache. Its managed
 * containerd follows (socket under the exec root, state under the data root), in a namespace of
 * its own.
 */
export const dockerdArgs = (paths: EnginePaths): string[] => [
  `--host=${engineHost(paths)}`,
  `--data-root=${paths.dataRoot}`,
  `--exec-root=${paths.execRoot}`,
  `--pidfile=${paths.pidFile}`,
  '--containerd-namespace=orderstream',
  '--containerd-plugins-namespace=orderstream-plugins',
  '--bridge=none',
  '--iptables=false',
];

const APT_HINT =
  "install Debian's engine, debootstrap and compose: apt-get install -y docker.io debootstrap docker-compose";

export const engineVersion = (host: string): string | undefined =>
  output('docker', ['info', '--format', '{{.ServerVersion}}'], { ...process.env, DOCKER_HOST: host });

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface EnsureEngineOptions {
  cacheDir: string;
  say?: (message: string) => void;
}

/**
 * The engine to use: DOCKER_HOST when the caller set one (their engine, left as it is), else the
 * project's private engine, started here if it does not answer. The default socket is never used
 * nor created.
 */
export const ensureEngine = async ({ cacheDir, say = step }: EnsureEngineOptions): Promise<Engine> => {
  if (!which('docker')) throw new VerifyPrerequisiteError(`no docker CLI on PATH: ${APT_HINT}`);
  const given = process.env.DOCKER_HOST;
  const paths = enginePaths(cacheDir);
  const host = given && given !== '' ? given : engineHost(paths);
  const running = engineVersion(host);
  if (running !== undefined) {
    say(`using the engine at ${host} (${running}); it stays up`);
    return { host, started: false, stop: async () => {} };
  }
  if (given && given !== '')
    throw new VerifyPrerequisiteError(`DOCKER_HOST=${given} does not answer: start it or unset DOCKER_HOST`);
  const dockerd = which('dockerd');
  if (!dockerd) throw new VerifyPrerequisiteError(`no dockerd on PATH: ${APT_HINT}`);
  mkdirSync(paths.dir, { recursive: true });
  say(`starting dockerd at ${host} --bridge=none --iptables=false (log: ${paths.logFile})`);
  const log = openSync(paths.logFile, 'a');
  const child = spawn(dockerd, dockerdArgs(paths), { stdio: ['ignore', log, log], detached: true });
  child.unref();
  const deadline = Date.now() + 60_000;
  while (engineVersion(host) === undefined) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGTERM');
      throw new VerifyPrerequisiteError(`dockerd did not come up: see ${paths.logFile}`);
    }
    await sleep(500);
  }
  const pid = child.pid as number;
  return {
    host,
    started: true,
    async stop() {
      say(`stopping dockerd (pid ${pid}) and the containerd it started`);
      const alive = (): boolean => child.exitCode === null && child.signalCode === null;
      child.kill('SIGTERM');
      // The engine stops its containerd before it exits.
      const until = Date.now() + 30_000;
      while (alive() && Date.now() < until) await sleep(250);
      if (alive()) {
        say(`dockerd (pid ${pid}) still running after 30 s: killing it`);
        child.kill('SIGKILL');
      }
      const containerdPid = join(paths.execRoot, 'containerd', 'containerd.pid');
      if (existsSync(containerdPid)) {
        const left = Number(readFileSync(containerdPid, 'utf8').trim());
        if (Number.isInteger(left) && left > 0 && pidAlive(left)) {
          say(`containerd (pid ${left}) outlived dockerd: stopping it`);
          process.kill(left, 'SIGTERM');
        }
      }
    },
  };
};
