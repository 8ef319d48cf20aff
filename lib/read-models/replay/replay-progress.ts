export type ReplayStatus = 'reading' | 'writing' | 'catching-up' | 'swapping' | 'done' | 'failed';

/** What a replay reports while it runs; also the body of the admin progress endpoint. */
export interface ReplayProgress {
  jobId: string;
  status: ReplayStatus;
  /** Events read and folded so far. */
  eventsDone: number;
  /** Offsets between the start and end of every events topic when the replay began (an upper bound). */
  eventsTotal: number;
  /** 0–100, by offsets read, so compaction gaps and transaction markers do not stall it. */
  percent: number;
  eventsPerSecond: number;
  /** Seconds left reading at the current rate; null until a rate is known. */
  etaSeconds: number | null;
  startedAt: string;
  finishedAt?: string;
  /** The physical collections built (set once writing starts). */
  collections?: Record<string, string>;
  error?: string;
  /** Events no decoder reads (the live runner parks them on deadletter.projections); left out. */
  undecodable?: number;
  /** Events whose evolve threw; left out, as the live runner does. */
  unprojectable?: number;
  /** The first few events left out, with why: `topic/partition/offset: reason`. */
  skipped?: string[];
}

/** Turns offsets reached into progress figures; pure apart from the clock it is given. */
export const progressMeter = (jobId: string, total: bigint, now: () => number = Date.now) => {
  const startedMs = now();
  const base: ReplayProgress = {
    jobId,
    status: 'reading',
    eventsDone: 0,
    eventsTotal: Number(total),
    percent: total === 0n ? 100 : 0,
    eventsPerSecond: 0,
    etaSeconds: null,
    startedAt: new Date(startedMs).toISOString(),
  };
  return {
    snapshot: (
      update: { offsetsDone?: bigint; eventsDone?: number } & Partial<ReplayProgress>,
    ): ReplayProgress => {
      const { offsetsDone, ...rest } = update;
      Object.assign(base, rest);
      if (offsetsDone !== undefined && total > 0n) {
        const seconds = Math.max((now() - startedMs) / 1000, 0.001);
        const done = Number(offsetsDone > total ? total : offsetsDone);
        base.percent = Math.round((done / Number(total)) * 1000) / 10;
        base.eventsPerSecond = Math.round(base.eventsDone / seconds);
        const offsetRate = done / seconds;
        base.etaSeconds = offsetRate > 0 ? Math.round((Number(total) - done) / offsetRate) : null;
      }
      return { ...base };
    },
  };
};
