import { isDuplicateKeyError, type Db } from '../../adapters/mongo';
import { OrderstreamError } from '../../errors';

/** A second replay was asked for while one holds the lease. */
export class ReplayInProgressError extends OrderstreamError {
  readonly code = 'REPLAY_IN_PROGRESS';
  constructor(readonly jobId: string) {
    super(`projection replay ${jobId} is in progress`);
  }
}

/** The replay's lease expired or was taken over: it must not swap, whatever it has built. */
export class ReplayLeaseLostError extends OrderstreamError {
  readonly code = 'REPLAY_LEASE_LOST';
  constructor(
    readonly jobId: string,
    detail: string,
  ) {
    super(`projection replay ${jobId} lost its lease: ${detail}`);
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
  /** Renews the lease; throws ReplayLeaseLostError when it is no longer ours. */
  setPhase(phase: ReplayPhase): Promise<void>;
  /** Throws ReplayLeaseLostError if a renewal found the lease gone or it ran out unrenewed. */
  assertHeld(): void;
  /** Renews now and throws unless the marker is still ours: the check right before a swap. */
  confirm(): Promise<void>;
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
    if (!isDuplicateKeyError(err)) throw err;
    const held = await markers(db).findOne({ _id: MARKER_ID });
    if (held && held.leaseUntil > now()) throw new ReplayInProgressError(held.jobId);
    const taken = await markers(db).replaceOne({ _id: MARKER_ID, jobId: held?.jobId ?? '' }, marker());
    if (taken.matchedCount !== 1) throw new ReplayInProgressError(held?.jobId ?? 'unknown');
  }
  let heldUntil = now() + leaseMs;
  let lost: string | undefined;
  const renew = async (): Promise<void> => {
    const until = now() + leaseMs;
    const renewed = await markers(db).updateOne(
      { _id: MARKER_ID, jobId },
      { $set: { phase, leaseUntil: until } },
    );
    if (renewed.matchedCount !== 1) lost ??= 'the marker is gone or belongs to another replay';
    else if (!lost) heldUntil = until;
  };
  const assertHeld = (): void => {
    if (!lost && now() > heldUntil)
      lost = `not renewed since it ran out at ${new Date(heldUntil).toISOString()}`;
    if (lost) throw new ReplayLeaseLostError(jobId, lost);
  };
  // A failed renewal is not yet a lost lease: it is lost once `heldUntil` passes unrenewed.
  const timer = setInterval(() => void renew().catch(() => {}), Math.max(leaseMs / 3, 100));
  timer.unref();
  return {
    setPhase: async (next) => {
      assertHeld();
      phase = next;
      await renew();
      assertHeld();
    },
    assertHeld,
    confirm: async () => {
      assertHeld();
      await renew();
      assertHeld();
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
