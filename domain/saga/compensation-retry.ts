import type { CommandMeta } from '../order/commands';
import type { CommandToSend } from './types';

/**
 * Compensations that must end in the outside world: money back (refund) and a label voided.
 * Unlike a capture, whose failure simply cancels the order, a failed compensation leaves money
 * or a label behind, so it is tried again until it succeeds or an operator takes over.
 */
export type Compensation = 'refund' | 'void';

export interface CompensationPolicy {
  /** Wait before retry n (1-based) is `delaysMs[min(n, length) - 1]`. */
  delaysMs: readonly number[];
  /** Attempts in all, the first included; after the last failure the command is parked. */
  maxAttempts: number;
}

/**
 * About 2.5 minutes from the first failure to the last attempt: longer than the outages the
 * failure model names (30 s), short enough that an operator hears of a lasting one soon.
 */
export const DEFAULT_COMPENSATION_POLICY: CompensationPolicy = {
  delaysMs: [1_000, 2_000, 5_000, 10_000, 20_000, 30_000],
  maxAttempts: 10,
};

/** A compensation attempt that failed, as the aggregate's events tell it. */
export interface FailedCompensation {
  compensation: Compensation;
  orderId: string;
  /** Failures so far, this one included (PaymentRefundFailed / ShipmentVoidFailed since the last success). */
  failures: number;
  reason: string;
  /** The failure event's occurredAt (ISO-8601). */
  failedAt: string;
  correlationId: string;
}

export type CompensationStep =
  | { action: 'retry'; dueAtMs: number; command: CommandToSend }
  | { action: 'park'; reason: string; command: CommandToSend };

const commandFor = (failed: FailedCompensation, commandId: string, issuedAt: string): CommandToSend => {
  const meta: CommandMeta = {
    commandId,
    correlationId: failed.correlationId,
    causationId: `${failed.compensation}:${failed.orderId}:${failed.failures}`,
    issuedAt,
  };
  const reason = `retrying after: ${failed.reason}`.slice(0, 500);
  return failed.compensation === 'refund'
    ? {
        aggregate: 'payments',
        aggregateId: failed.orderId,
        command: { type: 'RefundPayment', orderId: failed.orderId, reason, meta },
      }
    : {
        aggregate: 'shipments',
        aggregateId: failed.orderId,
        command: { type: 'VoidShipment', orderId: failed.orderId, reason, meta },
      };
};

/**
 * What follows a failed compensation: the same command again after a delay, or, once the
 * attempts are spent, the command parked for an operator to re-drive. Command ids come from
 * the failure count, so a retrier that restarts and re-reads the events sends the same ids
 * (the command processors drop the repeats); the effect's idempotency key does not depend on
 * the attempt at all, so whichever attempt gets through, the money or the label moves once.
 */
export const nextCompensationStep = (
  failed: FailedCompensation,
  policy: CompensationPolicy = DEFAULT_COMPENSATION_POLICY,
): CompensationStep => {
  const base = `compensation:${failed.compensation}:${failed.orderId}`;
  if (failed.failures >= policy.maxAttempts) {
    return {
      action: 'park',
      reason: `${failed.compensation} of order ${failed.orderId} failed ${failed.failures} times; last: ${failed.reason}`,
      command: commandFor(failed, `${base}:parked-after-${failed.failures}`, failed.failedAt),
    };
  }
  const delays = policy.delaysMs;
  const delay = delays[Math.min(failed.failures, delays.length) - 1] ?? 0;
  const dueAtMs = (Date.parse(failed.failedAt) || 0) + delay;
  return {
    action: 'retry',
    dueAtMs,
    command: commandFor(failed, `${base}:retry-${failed.failures}`, new Date(dueAtMs).toISOString()),
  };
};
