import { OrderstreamError } from '../../lib/errors';

/**
 * A commands partition as this member sees it. `restoring`: assigned (or asked for by a batch)
 * and its aggregates being read back from snapshots and events, with the transactional producer
 * already connected so a previous owner is fenced. `ready`: restored, taking batches.
 * `unowned`: never ours, or given up (the producer disconnected, the state forgotten).
 */
export type PartitionState = 'unowned' | 'restoring' | 'ready';

/**
 * `claimed`: the group assigned the partition, or a batch of it needs its owner.
 * `restored` / `restoreFailed`: how the restore of the current claim ended.
 * `revoked`: a rebalance gave it to someone else. `fenced`: a newer producer with our
 * transactional id took over. `commitFailed`: a commit failed, so the producer and the state may
 * no longer match the log and are rebuilt from it. `stopped`: the processor stops.
 */
export type PartitionEvent =
  'claimed' | 'restored' | 'restoreFailed' | 'revoked' | 'fenced' | 'commitFailed' | 'stopped';

/**
 * Every transition a partition may take; an event missing from its state's row is a bug in the
 * processor and throws. Giving up is allowed from every state, even `unowned` (a release of a
 * partition whose restore already failed is a no-op), and a claim of a partition that is
 * restoring or ready keeps that claim instead of starting another restore.
 */
export const PARTITION_TRANSITIONS: Readonly<
  Record<PartitionState, Readonly<Partial<Record<PartitionEvent, PartitionState>>>>
> = {
  unowned: {
    claimed: 'restoring',
    revoked: 'unowned',
    fenced: 'unowned',
    commitFailed: 'unowned',
    stopped: 'unowned',
  },
  restoring: {
    claimed: 'restoring',
    restored: 'ready',
    restoreFailed: 'unowned',
    revoked: 'unowned',
    fenced: 'unowned',
    commitFailed: 'unowned',
    stopped: 'unowned',
  },
  ready: {
    claimed: 'ready',
    revoked: 'unowned',
    fenced: 'unowned',
    commitFailed: 'unowned',
    stopped: 'unowned',
  },
};

/** An event the partition's current state does not allow: the processor lost track of it. */
export class PartitionTransitionError extends OrderstreamError {
  readonly code = 'PARTITION_TRANSITION_INVALID';
  constructor(
    readonly partition: number,
    readonly state: PartitionState,
    readonly event: PartitionEvent,
  ) {
    super(`partition ${partition}: '${event}' is not allowed when ${state}`);
  }
}

export const nextPartitionState = (
  partition: number,
  state: PartitionState,
  event: PartitionEvent,
): PartitionState => {
  const next = PARTITION_TRANSITIONS[state][event];
  if (next === undefined) throw new PartitionTransitionError(partition, state, event);
  return next;
};
