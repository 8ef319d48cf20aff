/** What the owner of a partition keeps per aggregate between commands. */
export interface AggregateRecord<S> {
  state: S;
  version: number;
  /** The latest processed command ids, so a redelivered command is answered, not re-applied. */
  recent: ProcessedCommand[];
}

export interface ProcessedCommand {
  commandId: string;
  version: number;
  eventTypes: string[];
}

/** Enough to cover client retries and a zombie's redelivery; bounded so snapshots stay small. */
export const RECENT_COMMANDS_KEPT = 32;

export const remember = (recent: ProcessedCommand[], processed: ProcessedCommand): ProcessedCommand[] => {
  const next = recent.filter((p) => p.commandId !== processed.commandId);
  next.push(processed);
  return next.length > RECENT_COMMANDS_KEPT ? next.slice(next.length - RECENT_COMMANDS_KEPT) : next;
};

/** The key of the per-partition checkpoint record on the snapshots topic. */
export const CHECKPOINT_KEY = '__checkpoint__';

export interface SnapshotValue {
  format: 1;
  aggregateId: string;
  version: number;
  state: unknown;
  recent: ProcessedCommand[];
  takenAt: string;
}

/**
 * "Every aggregate of this partition with events before `eventsFromOffset` has a snapshot at
 * least as new as those events." Restore reads snapshots, then events from this offset only.
 */
export interface CheckpointValue {
  format: 1;
  eventsFromOffset: string;
  /**
   * The events topic the offset is in. After an upcast migration switches the aggregate to a new
   * topic, the same history sits at other offsets, so a checkpoint of another topic (or one from
   * before this field, whose topic is unknown) is not used: restore reads the events from 0.
   */
  eventsTopic?: string;
  takenAt: string;
}
