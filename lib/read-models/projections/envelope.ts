/** What the event store adds around an event: whose it is, its position in that history, and when. */
export interface EventEnvelope {
  aggregateId: string;
  version: number;
  occurredAt: string;
}

/**
 * The version guard every projection shares: an event at or below the document's version was
 * already folded in (a redelivery, a replay over live data), so the document stays as it is.
 */
export const alreadyApplied = (doc: { version: number } | undefined, envelope: EventEnvelope): boolean =>
  doc !== undefined && envelope.version <= doc.version;

/** Thrown by a `never` check: an event type this projection does not know (a newer producer). */
export const unknownEvent = (view: string, event: never): Error =>
  new Error(`${view} projection: unknown event ${JSON.stringify((event as { type?: unknown }).type)}`);
