import { summarize, type LatencySummary } from './latency';

/** A request's outcome: an HTTP status, or a client-side failure such as `ECONNRESET` or `TIMEOUT`. */
export type Outcome = number | string;

const isSuccess = (outcome: Outcome): boolean =>
  typeof outcome === 'number' && outcome >= 200 && outcome < 300 && outcome !== 202;

interface KindSamples {
  latenciesMs: number[];
  outcomes: Map<Outcome, number>;
}

export interface KindReport extends LatencySummary {
  kind: string;
  succeeded: number;
  failed: number;
}

/**
 * Keeps every request that started and finished inside the measurement window. 202 is counted
 * apart from success: the command is accepted but its reply did not come back in time, so it is
 * not a completed command. Latency covers successful requests only.
 */
export const createRecorder = () => {
  const kinds = new Map<string, KindSamples>();
  let window: { from: number; to: number } | undefined;
  let total = 0;
  let succeeded = 0;

  const samples = (kind: string): KindSamples => {
    let s = kinds.get(kind);
    if (!s) {
      s = { latenciesMs: [], outcomes: new Map() };
      kinds.set(kind, s);
    }
    return s;
  };

  return {
    /** Samples outside [from, to] are not kept (warm-up, and requests still running at the end). */
    measure(from: number, to: number): void {
      window = { from, to };
    },
    record(kind: string, startedAt: number, endedAt: number, outcome: Outcome): void {
      total++;
      if (isSuccess(outcome)) succeeded++;
      // Created on first sight, warm-up included, so kinds are reported in the order clients send them.
      const s = samples(kind);
      if (!window || startedAt < window.from || endedAt > window.to) return;
      s.outcomes.set(outcome, (s.outcomes.get(outcome) ?? 0) + 1);
      if (isSuccess(outcome)) s.latenciesMs.push(endedAt - startedAt);
    },
    /** Every request so far, warm-up included, for progress lines. */
    totals: () => ({ total, succeeded }),
    report(): KindReport[] {
      return [...kinds].map(([kind, s]) => {
        const ok = [...s.outcomes].reduce((n, [o, c]) => n + (isSuccess(o) ? c : 0), 0);
        const all = [...s.outcomes.values()].reduce((n, c) => n + c, 0);
        return { kind, succeeded: ok, failed: all - ok, ...summarize(s.latenciesMs) };
      });
    },
    /** Non-success outcomes inside the window, by status or error code. */
    errors(): Map<string, number> {
      const errors = new Map<string, number>();
      for (const [kind, s] of kinds) {
        for (const [outcome, count] of s.outcomes) {
          if (!isSuccess(outcome)) errors.set(`${kind} ${outcome}`, count);
        }
      }
      return errors;
    },
  };
};

export type Recorder = ReturnType<typeof createRecorder>;
