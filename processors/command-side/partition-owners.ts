import { nextPartitionState, type PartitionEvent, type PartitionState } from './partition-lifecycle';

/** How a partition is taken over and given up; the registry decides when. */
export interface PartitionOwnerHooks<O> {
  /** Connects the partition's producer and restores its aggregates. */
  open(partition: number): Promise<O>;
  /** Disconnects what `open` connected; errors are swallowed by the registry. */
  close(owner: O): Promise<void>;
}

/** The reasons a partition is given up: every event that leads back to `unowned`. */
export type ReleaseReason = Extract<PartitionEvent, 'revoked' | 'fenced' | 'commitFailed' | 'stopped'>;

export interface PartitionOwners<O> {
  /** The partition's owner, opening it on the first claim; later claims share that one. */
  claim(partition: number): Promise<O>;
  /** Gives the partition up; resolves once its owner (if one was opening or open) is closed. */
  release(partition: number, reason: ReleaseReason): Promise<void>;
  state(partition: number): PartitionState;
  /** Partitions restoring or ready. */
  owned(): number[];
}

interface Claim<O> {
  state: PartitionState;
  owner: Promise<O>;
}

/**
 * The partitions this member owns, moved only along PARTITION_TRANSITIONS. A restore that ends
 * after its claim was given up (a revoke mid-restore) belongs to no one: it moves nothing, and
 * the release that gave it up closes its owner.
 */
export const createPartitionOwners = <O>(hooks: PartitionOwnerHooks<O>): PartitionOwners<O> => {
  const claims = new Map<number, Claim<O>>();
  const state = (partition: number): PartitionState => claims.get(partition)?.state ?? 'unowned';
  const current = (partition: number, claim: Claim<O>) => claims.get(partition) === claim;

  const claim = (partition: number): Promise<O> => {
    const next = nextPartitionState(partition, state(partition), 'claimed');
    const held = claims.get(partition);
    if (held !== undefined) return held.owner;
    const opened: Claim<O> = { state: next, owner: hooks.open(partition) };
    claims.set(partition, opened);
    opened.owner.then(
      () => {
        if (current(partition, opened))
          opened.state = nextPartitionState(partition, opened.state, 'restored');
      },
      () => {
        if (!current(partition, opened)) return;
        nextPartitionState(partition, opened.state, 'restoreFailed');
        claims.delete(partition);
      },
    );
    return opened.owner;
  };

  const release = async (partition: number, reason: ReleaseReason): Promise<void> => {
    nextPartitionState(partition, state(partition), reason);
    const held = claims.get(partition);
    claims.delete(partition);
    if (held === undefined) return;
    const owner = await held.owner.then(
      (o) => o,
      () => undefined,
    );
    if (owner !== undefined) await hooks.close(owner).catch(() => undefined);
  };

  return {
    claim,
    release,
    state,
    owned: () => [...claims.keys()].sort((a, b) => a - b),
  };
};
