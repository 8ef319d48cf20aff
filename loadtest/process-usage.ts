import { spawnSync } from 'node:child_process';
import pidusage from 'pidusage';

/** CPU and memory of the system's processes over a step: the services and the servers they use. */
export interface ProcessUsage {
  name: string;
  /** CPU time used in the step, in seconds of one core. */
  cpuSeconds: number;
  /** Average share of one core over the step, 0..1 per core. */
  cores: number;
  /** Resident memory at the end of the step, MiB. */
  rssMiB: number;
}

/** The pid listening on a TCP port (a server of the stack instance), from `ss`. */
export const pidListeningOn = (port: number): number | undefined => {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout ?? '';
  const match = /pid=(\d+)/.exec(out);
  return match ? Number(match[1]) : undefined;
};

/** CPU seconds used so far by a process (user + system), and its RSS; undefined when it is gone. */
const sample = async (pid: number): Promise<{ cpuSeconds: number; rssMiB: number } | undefined> => {
  try {
    const stat = await pidusage(pid);
    return { cpuSeconds: stat.ctime / 1000, rssMiB: stat.memory / 1024 / 1024 };
  } catch {
    return undefined;
  }
};

/**
 * Starts measuring the named processes; `finish()` gives each one's CPU and memory over the time
 * since. Pids are looked up again at the end, so a process restarted mid-step is counted from its
 * restart (its earlier life is lost, which the report says).
 */
export const measureProcesses = async (
  pidsOf: () => Record<string, number | undefined>,
): Promise<{ finish(): Promise<ProcessUsage[]> }> => {
  const started = Date.now();
  const before = new Map<string, { pid: number; cpuSeconds: number }>();
  for (const [name, pid] of Object.entries(pidsOf())) {
    if (pid === undefined) continue;
    const s = await sample(pid);
    if (s) before.set(name, { pid, cpuSeconds: s.cpuSeconds });
  }
  return {
    finish: async () => {
      const seconds = (Date.now() - started) / 1000;
      const usage: ProcessUsage[] = [];
      for (const [name, pid] of Object.entries(pidsOf())) {
        if (pid === undefined) continue;
        const s = await sample(pid);
        if (!s) continue;
        const from = before.get(name);
        const cpuSeconds = from?.pid === pid ? s.cpuSeconds - from.cpuSeconds : s.cpuSeconds;
        usage.push({ name, cpuSeconds, cores: cpuSeconds / seconds, rssMiB: s.rssMiB });
      }
      pidusage.clear();
      return usage.sort((a, b) => b.cpuSeconds - a.cpuSeconds);
    },
  };
};
