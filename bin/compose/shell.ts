import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** A missing prerequisite: the message says what to install or run. */
export class VerifyPrerequisiteError extends Error {
  override readonly name = 'VerifyPrerequisiteError';
}

export const step = (message: string): void => {
  process.stdout.write(`[compose-verify ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

export const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Runs a command to completion; its output goes to logFile (or ours), a non-zero exit throws. */
export const exec = (
  command: string,
  args: string[],
  options: { logFile?: string; env?: NodeJS.ProcessEnv; cwd?: string; input?: NodeJS.ReadableStream } = {},
): Promise<void> =>
  new Promise((resolve, reject) => {
    const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input ? 'pipe' : 'ignore', log ? 'pipe' : 'inherit', log ? 'pipe' : 'inherit'],
    });
    if (options.input && child.stdin) options.input.pipe(child.stdin);
    if (log) {
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
    }
    child.on('error', reject);
    child.on('close', (code) => {
      log?.end();
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} exited with ${code}${options.logFile ? ` (see ${options.logFile})` : ''}`,
          ),
        );
    });
  });

/** Runs a short command and returns its stdout, or undefined when it fails. */
export const output = (command: string, args: string[], env?: NodeJS.ProcessEnv): string | undefined => {
  const res = spawnSync(command, args, { encoding: 'utf8', env: env ?? process.env });
  return res.status === 0 ? res.stdout.trim() : undefined;
};
