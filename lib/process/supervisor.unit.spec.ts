import {
  afterExit,
  DEFAULT_RESTART_POLICY,
  restartDelay,
  startSupervisor,
  type Supervisor,
  type SupervisorEvent,
} from './supervisor';

const policy = { ...DEFAULT_RESTART_POLICY, initialDelayMs: 100, maxDelayMs: 1_000, stableAfterMs: 5_000 };

describe('restart policy', () => {
  it('doubles the delay per consecutive crash, capped', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => restartDelay(n, policy))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('starts the backoff over after a stable run', () => {
    expect(afterExit(6, policy.stableAfterMs, policy)).toEqual({
      action: 'restart',
      consecutive: 1,
      delayMs: 100,
    });
    expect(afterExit(6, 10, policy)).toEqual({ action: 'restart', consecutive: 7, delayMs: 1_000 });
  });

  it('gives up past the bound of consecutive crashes', () => {
    expect(afterExit(policy.maxRestarts - 1, 0, policy).action).toBe('restart');
    expect(afterExit(policy.maxRestarts, 0, policy)).toEqual({
      action: 'give-up',
      consecutive: policy.maxRestarts + 1,
    });
  });
});

const node = (name: string, script: string) => ({ name, command: process.execPath, args: ['-e', script] });
const forever =
  'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000); console.log("up")';
const stubborn = 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("up")';

/** Collects children's lines; `seen` resolves once a child has printed `line` `times` times in all. */
const outputLog = () => {
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  return {
    lines,
    output: (name: string, _stream: string, line: string) => {
      lines.push(`${name}|${line}`);
      waiters.splice(0).forEach((w) => w());
    },
    async seen(entry: string, times = 1): Promise<void> {
      while (lines.filter((l) => l === entry).length < times) await new Promise<void>((r) => waiters.push(r));
    },
  };
};

describe('supervisor', () => {
  const supervisors: Supervisor[] = [];
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  });

  const supervise = (...args: Parameters<typeof startSupervisor>) => {
    const supervisor = startSupervisor(...args);
    supervisors.push(supervisor);
    const events: SupervisorEvent[] = [];
    supervisor.on((e) => events.push(e));
    return { supervisor, events };
  };

  it('restarts a killed child and counts the restart', async () => {
    const log = outputLog();
    const { supervisor, events } = supervise({
      children: [node('worker', forever), node('other', forever)],
      policy,
      output: log.output,
    });
    await log.seen('worker|up');
    await log.seen('other|up');
    const firstPid = supervisor.status().find((s) => s.name === 'worker')?.pid;
    expect(supervisor.kill('worker', 'SIGKILL')).toBe(true);
    await supervisor.waitForRestart('worker', 1, 10_000);

    expect(supervisor.restarts('worker')).toBe(1);
    expect(supervisor.restarts('other')).toBe(0);
    const worker = supervisor.status().find((s) => s.name === 'worker');
    expect(worker).toMatchObject({ state: 'running', restarts: 1 });
    expect(worker?.pid).not.toBe(firstPid);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'exited', name: 'worker', signal: 'SIGKILL' }),
    );
    expect(events).toContainEqual({
      type: 'restarting',
      name: 'worker',
      delayMs: 100,
      restart: 1,
      reason: 'SIGKILL',
    });
    await log.seen('worker|up', 2);
  });

  it('gives up on a child that crash-loops past the bound and keeps the others', async () => {
    const { supervisor, events } = supervise({
      children: [node('broken', 'process.exit(3)'), node('fine', forever)],
      policy: { ...policy, initialDelayMs: 10, maxDelayMs: 20, maxRestarts: 3 },
    });
    const gaveUp = await new Promise<SupervisorEvent>((resolve) =>
      supervisor.on((e) => e.type === 'gave-up' && resolve(e)),
    );
    expect(gaveUp).toEqual({ type: 'gave-up', name: 'broken', restarts: 3, reason: 'code 3' });
    expect(events.filter((e) => e.type === 'restarting' && e.name === 'broken')).toHaveLength(3);
    expect(supervisor.status().find((s) => s.name === 'broken')?.state).toBe('failed');
    expect(supervisor.status().find((s) => s.name === 'fine')?.state).toBe('running');
  });

  it('stops every child and restarts none while stopping', async () => {
    const log = outputLog();
    const { supervisor, events } = supervise({
      children: [node('a', forever), node('stubborn', stubborn)],
      policy,
      stopTimeoutMs: 300,
      output: log.output,
    });
    await log.seen('a|up');
    await log.seen('stubborn|up');
    await supervisor.stop();
    expect(supervisor.status().map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(events.filter((e) => e.type === 'restarting')).toEqual([]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'exited', name: 'stubborn', signal: 'SIGKILL' }),
    );
  });
});
