/**
 * kafkajs 2.2.4, its last release, re-arms a timer on every broker connection after each response
 * whether or not a request waits, with a negative delay when nothing throttles it: every
 * connection of every client then wakes the event loop about a thousand times a second for as
 * long as it is open (tulios/kafkajs#1556 and #1704; the fix upstream is unreleased). A processors
 * process holds a connection per transactional producer, so this was a steady share of its CPU
 * with no work to do.
 *
 * The queue's own rule, kept: requests wait while the broker throttles the client or too many are
 * in flight; a response or a timeout checks the queue again, and a timer is only needed to end a
 * throttle. So a timer is armed only while something waits.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs exports no type for its queue
const RequestQueue: { prototype: QueueInternals } = require('kafkajs/src/network/requestQueue');

interface QueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** What kafkajs waits between checks of a queue held back by the in-flight limit alone. */
const CHECK_PENDING_MS = 10;

export function scheduleCheckPendingRequests(this: QueueInternals): void {
  if (this.pending.length === 0 || this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_MS,
  );
}

RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
