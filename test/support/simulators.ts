import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LISTENING_MESSAGE } from '../../simulators/shared/simulator-main';

const ROOT = join(__dirname, '..', '..');

export interface RunningProcess {
  child: ChildProcess;
  url: string;
  output: string[];
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (at once if it has exited). */
export const stopProcess = (child: ChildProcess, graceMs: number): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', (code) => {
          clearTimeout(force);
          resolve(code);
        });
        child.kill('SIGTERM');
      });

/** A simulator as a real process on a free port; resolves with its URL once it listens. */
export const startSimulatorProcess = (
  name: 'payment-gateway' | 'carrier' | 'notifications',
  env: Record<string, string> = {},
  logLevel = 'info',
): Promise<RunningProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'simulators', name, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const stop = (): Promise<number | null> => stopProcess(child, 5_000);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not report its URL within 30 s:\n${output.join('')}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output.join('')}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output.push(line);
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string };
        if (parsed.msg === LISTENING_MESSAGE && parsed.url) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({ child, url: parsed.url, output, stop });
        }
      } catch {
        // not a JSON log line; kept for the failure message
      }
    });
  });
};
