import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { DependencyError } from '../lib/errors';
import type { StackLayout } from './layout';

/** What we remember about a server we started, so `down` stops only what `up` started. */
export interface RunRecord {
  service: string;
  pid: number;
  command: string;
  args: string[];
  logFile: string;
  startedAt: string;
}

export interface LaunchSpec {
  service: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const recordPath = (layout: StackLayout, service: string): string => join(layout.runDir, `${service}.json`);

export const logFileOf = (layout: StackLayout, service: string): string =>
  join(layout.logDir, `${service}.log`);

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const readRecord = (layout: StackLayout, service: string): RunRecord | undefined => {
  const path = recordPath(layout, service);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
};

/** The record of a server we started that is still running; stale records are removed. */
export const runningRecord = (layout: StackLayout, service: string): RunRecord | undefined => {
  const record = readRecord(layout, service);
  if (!record) return undefined;
  if (isAlive(record.pid)) return record;
  rmSync(recordPath(layout, service), { force: true });
  return undefined;
};

/**
 * Starts a server detached in its own process group, its output appended to a log file,
 * so it outlives the CLI that started it and can be stopped as a group later.
 */
export const launch = (layout: StackLayout, spec: LaunchSpec): RunRecord => {
  mkdirSync(layout.runDir, { recursive: true });
  mkdirSync(layout.logDir, { recursive: true });
  const logFile = logFileOf(layout, spec.service);
  const fd = openSync(logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  if (child.pid === undefined) throw new DependencyError(spec.service, `could not start ${spec.command}`);
  child.unref();
  const record: RunRecord = {
    service: spec.service,
    pid: child.pid,
    command: spec.command,
    args: spec.args,
    logFile,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(recordPath(layout, spec.service), JSON.stringify(record, null, 2));
  return record;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Stops a server we started: SIGTERM to its process group, SIGKILL if it lingers. */
export const stop = async (layout: StackLayout, service: string, graceMs = 15_000): Promise<boolean> => {
  const record = runningRecord(layout, service);
  if (!record) return false;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-record.pid, sig);
    } catch {
      try {
        process.kill(record.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(record.pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(record.pid)) signal('SIGKILL');
  while (isAlive(record.pid)) await sleep(100);
  rmSync(recordPath(layout, service), { force: true });
  return true;
};

/** True when something accepts TCP connections on host:port. */
export const portOpen = (host: string, port: number, timeoutMs = 1_000): Promise<boolean> =>
  new Promise((resolvePromise) => {
    const socket = createConnection({ host, port });
    const finish = (open: boolean): void => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });

/**
 * Polls a health probe until it passes. Fails early, with the tail of the log, if the
 * process dies, so a broken start says why instead of timing out.
 */
export const waitHealthy = async (
  record: RunRecord,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(record.pid)) {
      throw new DependencyError(
        record.service,
        `exited during start-up; last log lines:\n${tail(record.logFile, 15)}\n(full log: ${record.logFile})`,
        { retriable: false },
      );
    }
    if (await probe().catch(() => false)) return;
    await sleep(500);
  }
  throw new DependencyError(
    record.service,
    `not healthy after ${timeoutMs / 1000}s; last log lines:\n${tail(record.logFile, 15)}\n(full log: ${record.logFile})`,
    { retriable: false },
  );
};

export const tail = (file: string, lines: number): string => {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
};
