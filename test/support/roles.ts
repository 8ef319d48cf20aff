import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopProcess, type RunningProcess } from './simulators';

const ROOT = join(__dirname, '..', '..');

/**
 * One role of a deployment (bin/role.ts) as a real process on a free port; resolves with its URL
 * once its first log line with a `url` says it listens. Roles that only run and exit (`init`)
 * resolve once they have exited 0.
 */
export const startRole = (
  role: string,
  env: Record<string, string>,
  { exits = false }: { exits?: boolean } = {},
): Promise<RunningProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'role.ts'), role], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HEALTH_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const stop = (): Promise<number | null> => stopProcess(child, 10_000);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`role ${role} did not start within 60 s:\n${output.join('')}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (exits && code === 0) resolve({ child, url: '', output, stop });
      else reject(new Error(`role ${role} exited with ${code}:\n${output.join('')}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output.push(line);
      if (exits) return;
      try {
        const { url } = JSON.parse(line) as { url?: string };
        if (url) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({ child, url, output, stop });
        }
      } catch {
        // not a JSON log line; kept for the failure message
      }
    });
  });
};
