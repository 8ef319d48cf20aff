import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * Keeps a set of child processes running (DESIGN §12: any process may be SIGKILLed at any moment
 * and is restarted by its supervisor). A child that exits while the supervisor is not stopping is
 * restarted after an exponential backoff; the backoff resets once a child has stayed up for
 * `stableAfterMs`; a child that crashes `maxRestarts` times in a row without ever staying up is
 * given up on, loudly, so a deterministic start-up failure does not spin forever.
 */
export interface ChildSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Uptime after which a crash counts as a fresh one (the backoff starts over). */
  stableAfterMs: number;
  /** Consecutive crashes without a stable run before the supervisor gives up on a child. */
  maxRestarts: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 5_000,
  factor: 2,
  stableAfterMs: 10_000,
  maxRestarts: 20,
};

export type ChildState = 'starting' | 'running' | 'backoff' | 'stopped' | 'failed';

export type SupervisorEvent =
  | { type: 'started'; name: string; pid: number; restarts: number }
  | { type: 'exited'; name: string; code: number | null; signal: NodeJS.Signals | null; uptimeMs: number }
  | { type: 'restarting'; name: string; delayMs: number; restart: number; reason: string }
  | { type: 'gave-up'; name: string; restarts: number; reason: string }
  | { type: 'stopped' };

export interface ChildStatus {
  name: string;
  state: ChildState;
  pid: number | undefined;
  /** Restarts since the supervisor started (never reset, unlike the backoff). */
  restarts: number;
}

export interface Supervisor {
  /** Subscribes to lifecycle events; returns the unsubscribe function. */
  on(listener: (event: SupervisorEvent) => void): () => void;
  /** Sends a signal to a running child, which is then restarted like any crash. */
  kill(name: string, signal?: NodeJS.Signals): boolean;
  status(): ChildStatus[];
  restarts(name: string): number;
  /** Resolves once `name` has been (re)started `restarts` times in all and is running again. */
  waitForRestart(name: string, restarts: number, timeoutMs?: number): Promise<void>;
  /** SIGTERM to every child, SIGKILL after `stopTimeoutMs`; resolves when all have exited. */
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  children: readonly ChildSpec[];
  policy?: Partial<RestartPolicy>;
  stopTimeoutMs?: number;
  /** Each line a child writes, for prefixing on the console; ignored when omitted. */
  output?: (name: string, stream: 'stdout' | 'stderr', line: string) => void;
}

/** Backoff before restart number `consecutive` (1-based) of an unstable child. */
export const restartDelay = (consecutive: number, policy: RestartPolicy): number =>
  Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, consecutive - 1));

/** What the supervisor does after a child exits: pure, so the policy is unit-tested without processes. */
export const afterExit = (
  consecutiveBefore: number,
  uptimeMs: number,
  policy: RestartPolicy,
):
  | { action: 'restart'; consecutive: number; delayMs: number }
  | { action: 'give-up'; consecutive: number } => {
  const consecutive = uptimeMs >= policy.stableAfterMs ? 1 : consecutiveBefore + 1;
  if (consecutive > policy.maxRestarts) return { action: 'give-up', consecutive };
  return { action: 'restart', consecutive, delayMs: restartDelay(consecutive, policy) };
};

export const describeExit = (code: number | null, signal: NodeJS.Signals | null): string =>
  signal ?? (code === null ? 'unknown' : `code ${code}`);

const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void): void => {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
    buffer = '';
  });
};

interface Slot {
  spec: ChildSpec;
  state: ChildState;
  child: ChildProcess | undefined;
  startedAt: number;
  consecutive: number;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
}

export const startSupervisor = (options: SupervisorOptions): Supervisor => {
  const policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const listeners = new Set<(event: SupervisorEvent) => void>();
  const emit = (event: SupervisorEvent) => {
    for (const listener of listeners) listener(event);
  };
  const slots = new Map<string, Slot>();
  let stopping: Promise<void> | undefined;

  const slotOf = (name: string): Slot => {
    const slot = slots.get(name);
    if (!slot) throw new Error(`no supervised child named ${name}`);
    return slot;
  };

  const launch = (slot: Slot): void => {
    const { spec } = slot;
    slot.state = 'starting';
    slot.timer = undefined;
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      // The IPC channel is never written to: it closes when this process dies, and the child then
      // stops itself (lib/process/exit-with-parent.ts) instead of living on as an orphan.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    if (options.output) {
      const output = options.output;
      lines(child.stdout as NodeJS.ReadableStream, (line) => output(spec.name, 'stdout', line));
      lines(child.stderr as NodeJS.ReadableStream, (line) => output(spec.name, 'stderr', line));
    } else {
      child.stdout?.resume();
      child.stderr?.resume();
    }
    child.once('spawn', () => {
      if (slot.child !== child) return;
      slot.state = 'running';
      emit({ type: 'started', name: spec.name, pid: child.pid ?? -1, restarts: slot.restarts });
    });
    // 'error' without 'exit' means the spawn itself failed (e.g. ENOENT); treat it as a crash.
    child.once('error', (err) => {
      if (child.pid === undefined) onExit(slot, child, null, null, err.message);
    });
    child.once('exit', (code, signal) => onExit(slot, child, code, signal));
  };

  const onExit = (
    slot: Slot,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    error?: string,
  ): void => {
    if (slot.child !== child) return;
    slot.child = undefined;
    const uptimeMs = Date.now() - slot.startedAt;
    emit({ type: 'exited', name: slot.spec.name, code, signal, uptimeMs });
    if (stopping) {
      slot.state = 'stopped';
      return;
    }
    const reason = error ?? describeExit(code, signal);
    const next = afterExit(slot.consecutive, uptimeMs, policy);
    slot.consecutive = next.consecutive;
    if (next.action === 'give-up') {
      slot.state = 'failed';
      emit({ type: 'gave-up', name: slot.spec.name, restarts: slot.restarts, reason });
      return;
    }
    slot.state = 'backoff';
    slot.restarts += 1;
    emit({ type: 'restarting', name: slot.spec.name, delayMs: next.delayMs, restart: slot.restarts, reason });
    slot.timer = setTimeout(() => {
      if (!stopping) launch(slot);
    }, next.delayMs);
  };

  for (const spec of options.children) {
    if (slots.has(spec.name)) throw new Error(`two supervised children are named ${spec.name}`);
    const slot: Slot = {
      spec,
      state: 'starting',
      child: undefined,
      startedAt: 0,
      consecutive: 0,
      restarts: 0,
      timer: undefined,
    };
    slots.set(spec.name, slot);
  }
  // Launch after every slot exists, so a listener subscribed right after start sees each start.
  setImmediate(() => {
    for (const slot of slots.values()) if (!stopping) launch(slot);
  });

  const exited = (child: ChildProcess): Promise<void> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once('exit', () => resolve()));

  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    kill(name, signal = 'SIGTERM') {
      const child = slotOf(name).child;
      return child ? child.kill(signal) : false;
    },
    status: () =>
      [...slots.values()].map((s) => ({
        name: s.spec.name,
        state: s.state,
        pid: s.child?.pid,
        restarts: s.restarts,
      })),
    restarts: (name) => slotOf(name).restarts,
    waitForRestart(name, restarts, timeoutMs = 60_000) {
      const slot = slotOf(name);
      const done = () => slot.restarts >= restarts && slot.state === 'running';
      if (done()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`${name} was not restarted ${restarts} time(s) within ${timeoutMs} ms`));
        }, timeoutMs);
        const off = this.on(() => {
          if (!done()) return;
          clearTimeout(timer);
          off();
          resolve();
        });
      });
    },
    stop() {
      stopping ??= (async () => {
        const running: ChildProcess[] = [];
        for (const slot of slots.values()) {
          clearTimeout(slot.timer);
          if (slot.child) running.push(slot.child);
          else slot.state = slot.state === 'failed' ? 'failed' : 'stopped';
        }
        for (const child of running) child.kill('SIGTERM');
        const killer = setTimeout(() => {
          for (const child of running)
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }, stopTimeoutMs);
        await Promise.all(running.map(exited));
        clearTimeout(killer);
        emit({ type: 'stopped' });
      })();
      return stopping;
    },
  };
};

/** The pid of `parent`'s child whose command line ends with `entry` (a supervised service), from `ps`. */
export const childPid = (parent: number | undefined, entry: string): number | undefined => {
  if (parent === undefined) return undefined;
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' });
  const row = (ps.stdout ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.endsWith(entry));
  return row ? Number(row.split(/\s+/)[0]) : undefined;
};
