import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PrerequisiteError } from '../lib/errors';
import type { Progress } from './progress';

/** The absolute path of an executable on PATH, or undefined. */
export const which = (command: string, path = process.env.PATH ?? ''): string | undefined => {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
};

export const requireTool = (command: string, install: string): string => {
  const found = which(command);
  if (!found) throw new PrerequisiteError(`'${command}' is not on PATH: ${install}`);
  return found;
};

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Full output goes here; the console only gets heartbeats with the latest line. */
  logFile: string;
  service: string;
  progress: Progress;
  heartbeatMs?: number;
}

/**
 * Runs a provisioning command to completion. Output is kept in a log file, and every
 * few seconds the console hears what the tool is doing so a long download never looks hung.
 */
export const run = (command: string, args: string[], options: RunOptions): Promise<void> =>
  new Promise((resolvePromise, reject) => {
    const startedAt = Date.now();
    const log = createWriteStream(options.logFile, { flags: 'a' });
    log.write(`\n$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastLine = '';
    const remember = (chunk: Buffer): void => {
      log.write(chunk);
      const lines = chunk
        .toString()
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      lastLine = lines.at(-1) ?? lastLine;
    };
    child.stdout.on('data', remember);
    child.stderr.on('data', remember);
    const timer = setInterval(
      () => options.progress.heartbeat(options.service, lastLine.slice(0, 100) || 'working', startedAt),
      options.heartbeatMs ?? 10_000,
    );
    child.on('error', (err) => {
      clearInterval(timer);
      log.end();
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      log.end();
      if (code === 0) resolvePromise();
      else
        reject(
          new PrerequisiteError(
            `${command} ${args.slice(0, 3).join(' ')} … exited with ${code}; see ${options.logFile} (last line: ${lastLine})`,
          ),
        );
    });
  });

/**
 * Installs Debian packages with apt-get when the machine allows it (root and apt-get present),
 * refreshing the package lists once if a fresh machine has none; otherwise throws `hint`, which
 * says how to install them by hand or which server to point at instead.
 */
export const installDebianPackages = async (
  packages: string[],
  { service, progress, logDir, hint }: { service: string; progress: Progress; logDir: string; hint: string },
): Promise<void> => {
  const aptGet = which('apt-get');
  if (process.getuid?.() !== 0 || !aptGet) throw new PrerequisiteError(hint);
  mkdirSync(logDir, { recursive: true });
  const options: RunOptions = {
    service,
    progress,
    logFile: join(logDir, `provision-${service}.log`),
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  };
  progress.step(
    service,
    `installing Debian's ${packages.join(', ')} package${packages.length > 1 ? 's' : ''}`,
  );
  const install = () => run(aptGet, ['install', '-y', '--no-install-recommends', ...packages], options);
  try {
    await install();
  } catch {
    // A fresh machine has no package lists yet.
    await run(aptGet, ['update'], options);
    await install();
  }
};

/**
 * Runs a one-off command that must succeed (a storage format, a migration) and returns its
 * stdout+stderr; throws saying why it did not (timed out, exit code, the last output line). A
 * cold JVM on a busy machine (a fresh machine builds the other servers at the same time) can take
 * far longer than a probe, hence the generous default.
 */
export const runToCompletion = (
  what: string,
  command: string,
  args: string[],
  timeoutMs = 180_000,
): string => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (!result.error && result.status === 0) return output;
  const lastLine = output.trim().split('\n').pop() ?? '';
  const why = result.error
    ? (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
      ? `did not finish within ${timeoutMs / 1000} s`
      : result.error.message
    : `exited with ${result.status ?? result.signal}`;
  throw new Error(`${what} ${why}${lastLine ? ` (last line: ${lastLine})` : ''}`);
};

/** Runs a short command and returns its stdout+stderr, or undefined when it cannot run. */
export const capture = (command: string, args: string[]): string | undefined => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`;
};

/** The major version of a java binary (`17`, `21`, `25`), or undefined. */
export const javaMajorVersion = (javaBin: string): number | undefined => {
  if (!existsSync(javaBin)) return undefined;
  const out = capture(javaBin, ['-version']);
  const match = out?.match(/version "(\d+)(?:\.(\d+))?/);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
};
