export const TRACKING_STATUSES = ['Created', 'InTransit', 'OutForDelivery', 'Delivered'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

export interface TrackingEvent {
  status: TrackingStatus;
  at: string;
}

export interface Tracking {
  status: TrackingStatus;
  history: TrackingEvent[];
}

/**
 * Where a parcel is at `nowMs`: it moves through the statuses in equal steps and is Delivered
 * `deliveryAfterMs` after creation. Pure, so a poller's view can be tested with a fake clock.
 * History lists the statuses reached so far with the time each was reached.
 */
export function trackingAt(createdAtMs: number, deliveryAfterMs: number, nowMs: number): Tracking {
  const steps = TRACKING_STATUSES.length - 1;
  const history: TrackingEvent[] = [];
  TRACKING_STATUSES.forEach((status, i) => {
    const reachedAt = createdAtMs + Math.round((deliveryAfterMs * i) / steps);
    if (i === 0 || reachedAt <= nowMs) history.push({ status, at: new Date(reachedAt).toISOString() });
  });
  return { status: (history[history.length - 1] as TrackingEvent).status, history };
}
