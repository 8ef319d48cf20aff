import { MongoServerError, type Db } from 'mongodb';
import { OrderstreamError } from '../../lib/errors';

/** A second replay was asked for while one holds the lease. */
export class ReplayInProgressError extends OrderstreamError {
  readonly code = 'REPLAY_IN_PROGRESS';
  constructor(readonly jobId: string) {
    super(`projection replay ${jobId} is in progress`);
  }
}

export type ReplayPhase = 'reading' | 'writing' | 'catching-up' | 'swapping';

export interface ReplayMarker {
  _id: 'in-progress';
  jobId: string;
  phase: ReplayPhase;
  startedAt: string;
  /** Epoch ms; a replay that died stops blocking others (and pausing the runner) after this. */
  leaseUntil: number;
}

export const REPLAY_COLLECTION = 'projection_replays';
const MARKER_ID = 'in-progress' as const;

const markers = (db: Db) => db.collection<ReplayMarker>(REPLAY_COLLECTION);

export interface ReplayLease {
  setPhase(phase: ReplayPhase): Promise<void>;
  release(): Promise<void>;
}

/**
 * The single in-progress marker: inserting it is the lock (a duplicate key means someone holds
 * it), taking over an expired one is a compare-and-set on its jobId. The lease is renewed while
 * the replay runs, so only a dead replay's marker expires.
 */
export const acquireReplayLease = async (
  db: Db,
  jobId: string,
  options: { leaseMs?: number; now?: () => number } = {},
): Promise<ReplayLease> => {
  const leaseMs = options.leaseMs ?? 30_000;
  const now = options.now ?? Date.now;
  let phase: ReplayPhase = 'reading';
  const marker = (): ReplayMarker => ({
    _id: MARKER_ID,
    jobId,
    phase,
    startedAt: new Date(now()).toISOString(),
    leaseUntil: now() + leaseMs,
  });
  try {
    await markers(db).insertOne(marker());
  } catch (err) {
    if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    const held = await markers(db).findOne({ _id: MARKER_ID });
    if (held && held.leaseUntil > now()) throw new ReplayInProgressError(held.jobId);
    const taken = await markers(db).replaceOne({ _id: MARKER_ID, jobId: held?.jobId ?? '' }, marker());
    if (taken.matchedCount !== 1) throw new ReplayInProgressError(held?.jobId ?? 'unknown');
  }
  const renew = (): Promise<unknown> =>
    markers(db).updateOne({ _id: MARKER_ID, jobId }, { $set: { phase, leaseUntil: now() + leaseMs } });
  const timer = setInterval(() => void renew().catch(() => {}), Math.max(leaseMs / 3, 100));
  timer.unref();
  return {
    setPhase: async (next) => {
      phase = next;
      await renew();
    },
    release: async () => {
      clearInterval(timer);
      await markers(db).deleteOne({ _id: MARKER_ID, jobId });
    },
  };
};

/** True while a live replay swaps collections: the runner holds its batches until it is done. */
export const swapInProgress = async (db: Db, now: () => number = Date.now): Promise<boolean> => {
  const marker = await markers(db).findOne({ _id: MARKER_ID });
  return marker !== null && marker.phase === 'swapping' && marker.leaseUntil > now();
};
