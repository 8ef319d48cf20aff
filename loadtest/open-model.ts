import * as hdr from 'hdr-histogram-js';

/**
 * An open-model request load: request i is due at `start + i / rate` whatever the system is doing,
 * and its latency is measured from when it was due, not from when it was sent. A system that
 * stalls therefore shows the stall in every request that waited behind it (no coordinated
 * omission), and cannot hide behind fewer requests.
 */
export interface OpenModelResult {
  /** Requests due in the step. */
  offered: number;
  /** Answered with the expected status. */
  ok: number;
  /** Answers by kind: `http 429`, `timeout`, `connection`... */
  errors: Record<string, number>;
  /** Latency from due time to answer, milliseconds, per request kind. */
  latency: Record<string, LatencySummary>;
  /** What the step achieved: ok answers per second. */
  achievedPerSecond: number;
  /**
   * How late the harness sent each request after it was due, milliseconds. A harness that cannot
   * keep its own schedule (its event loop saturated) measures itself as much as the system.
   */
  sendLag?: LatencySummary;
}

/** Send lag (p99) above which a step is reported as bounded by the harness rather than the system. */
export const HARNESS_BOUND_LAG_MS = 100;

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RequestKind {
  name: string;
  /** Share of the load, 0..1; the kinds' weights should sum to 1. */
  weight: number;
  /** One request; resolves with the HTTP status (or throws on a network error). */
  send(signal: AbortSignal): Promise<number>;
  okStatus?: number;
}

export const summarize = (histogram: hdr.Histogram): LatencySummary => ({
  count: histogram.totalCount,
  p50: histogram.getValueAtPercentile(50),
  p95: histogram.getValueAtPercentile(95),
  p99: histogram.getValueAtPercentile(99),
  max: histogram.maxValue,
});

export const newHistogram = (): hdr.Histogram =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
  });

/** Picks a kind by weight from a uniform 0..1 draw. */
export const pickKind = (kinds: readonly RequestKind[], draw: number): RequestKind => {
  let acc = 0;
  for (const kind of kinds) {
    acc += kind.weight;
    if (draw < acc) return kind;
  }
  return kinds[kinds.length - 1] as RequestKind;
};

export const runOpenModel = async (options: {
  rate: number;
  durationMs: number;
  kinds: readonly RequestKind[];
  timeoutMs?: number;
}): Promise<OpenModelResult> => {
  const { rate, durationMs, kinds } = options;
  const histograms = new Map(kinds.map((k) => [k.name, newHistogram()]));
  const sendLag = newHistogram();
  const errors: Record<string, number> = {};
  let ok = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  const one = async (kind: RequestKind, dueAt: number): Promise<void> => {
    const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
    try {
      const status = await kind.send(signal);
      if (status === (kind.okStatus ?? 200)) ok += 1;
      else errors[`${kind.name}: http ${status}`] = (errors[`${kind.name}: http ${status}`] ?? 0) + 1;
    } catch (err) {
      const what = signal.aborted || (err as Error).name === 'TimeoutError' ? 'timeout' : 'connection';
      errors[`${kind.name}: ${what}`] = (errors[`${kind.name}: ${what}`] ?? 0) + 1;
    }
    histograms.get(kind.name)?.recordValue(Math.max(1, Math.round(performance.now() - dueAt)));
  };
  for (let i = 0; i < total; i += 1) {
    const dueAt = start + (i * 1000) / rate;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sendLag.recordValue(Math.max(1, Math.round(performance.now() - dueAt)));
    const p = one(pickKind(kinds, Math.random()), dueAt);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all([...inFlight]);
  const elapsed = (performance.now() - start) / 1000;
  return {
    offered: total,
    ok,
    errors,
    latency: Object.fromEntries([...histograms].map(([name, h]) => [name, summarize(h)])),
    achievedPerSecond: ok / Math.max(elapsed, durationMs / 1000),
    sendLag: summarize(sendLag),
  };
};
