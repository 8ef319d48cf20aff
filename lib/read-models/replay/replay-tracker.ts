import { beginReplay, type ReplayOptions } from './replay';
import type { ReplayProgress } from './replay-progress';

/**
 * For the query API's admin routes: `POST /api/admin/projections/replay` → `start()` (a
 * ReplayInProgressError, code REPLAY_IN_PROGRESS, when one runs anywhere: map it to 409), and
 * `GET …/replay/{jobId}` → `progress(jobId)` (undefined: 404). Jobs started by this process
 * are remembered; the lease in MongoDB is what keeps replays exclusive across processes.
 */
export interface ReplayTracker {
  start(): Promise<{ jobId: string; progress: ReplayProgress }>;
  progress(jobId: string): ReplayProgress | undefined;
  jobs(): ReplayProgress[];
}

export const createReplayTracker = (
  options: Omit<ReplayOptions, 'onProgress' | 'jobId'>,
  keep = 20,
): ReplayTracker => {
  const jobs = new Map<string, ReplayProgress>();
  return {
    start: async () => {
      const { jobId, done } = await beginReplay({ ...options, onProgress: (p) => jobs.set(p.jobId, p) });
      const queued: ReplayProgress = {
        jobId,
        status: 'reading',
        eventsDone: 0,
        eventsTotal: 0,
        percent: 0,
        eventsPerSecond: 0,
        etaSeconds: null,
        startedAt: new Date().toISOString(),
      };
      if (!jobs.has(jobId)) jobs.set(jobId, queued);
      done.catch((err: unknown) => {
        const last = jobs.get(jobId) ?? queued;
        if (last.status !== 'failed') {
          jobs.set(jobId, {
            ...last,
            status: 'failed',
            error: (err as Error).message,
            finishedAt: new Date().toISOString(),
          });
        }
      });
      for (const old of [...jobs.keys()].slice(0, Math.max(0, jobs.size - keep))) jobs.delete(old);
      return { jobId, progress: jobs.get(jobId) as ReplayProgress };
    },
    progress: (jobId) => jobs.get(jobId),
    jobs: () => [...jobs.values()],
  };
};
