import type { Logger } from 'pino';
import { deterministicDraw } from '../shared/failure-knobs';

export const DELIVERY_STATUSES = ['delivered', 'bounced', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Receipt {
  status: DeliveryStatus;
  at: string;
  reason?: string;
}

/** What became of one message, as far as the simulator tells its webhook. */
export interface ReceiptReport {
  status: DeliveryStatus;
  /** `pending` until the webhook took it; `given-up` after the last attempt. */
  webhook: 'pending' | 'reported' | 'given-up';
  attempts: number;
  lastError?: string;
}

export interface ReceiptWebhookOptions {
  /** With `{reference}` where the message's reference goes, e.g. the command API's receipt route. */
  urlTemplate: string;
  /** A bearer token of the operator role: the receipt route's service token. */
  token?: string;
  /** How long after accepting a message its receipt is sent (a provider reports later, never at once). */
  afterMs: number;
  /** Attempts per receipt before it is given up, with doubling waits from `retryBaseMs` (at most 10 s). */
  attempts: number;
  retryBaseMs: number;
  logger: Logger;
  fetch?: typeof fetch;
}

/**
 * The outcome a provider would report: deterministic per reference, like the payment gateway's
 * declines, so a test (or an operator turning a knob) knows which messages bounce.
 */
export const receiptFor = (
  reference: string,
  rates: { bounceRate: number; undeliverableRate: number },
  at: string,
): Receipt => {
  const draw = deterministicDraw(`receipt:${reference}`);
  if (draw < rates.bounceRate) return { status: 'bounced', at, reason: 'mailbox unavailable' };
  if (draw < rates.bounceRate + rates.undeliverableRate)
    return { status: 'failed', at, reason: 'carrier rejected' };
  return { status: 'delivered', at };
};

/**
 * 409 is worth another try: the receipt can arrive before the sender has recorded the message as
 * sent (it records the provider's answer after the call returns). So are 408, 425, 429 and 5xx;
 * another 4xx would be refused again.
 */
const retriable = (status: number): boolean =>
  status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export interface ReceiptWebhook {
  /** Schedules the receipt of message `messageId` (sent with `reference`); `report` is updated in place. */
  send(messageId: string, reference: string, receipt: Receipt, report: ReceiptReport): void;
  /** Resolves when every scheduled receipt has been reported or given up (tests, shutdown). */
  settled(): Promise<void>;
}

/** Posts each receipt to the webhook once it is due, retrying with backoff, under one idempotency key. */
export const createReceiptWebhook = (options: ReceiptWebhookOptions): ReceiptWebhook => {
  const post = options.fetch ?? fetch;
  const inFlight = new Set<Promise<void>>();

  const deliver = async (messageId: string, reference: string, receipt: Receipt, report: ReceiptReport) => {
    await wait(options.afterMs);
    const url = options.urlTemplate.replace('{reference}', encodeURIComponent(reference));
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      report.attempts = attempt;
      try {
        const response = await post(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // One key per receipt: a retry after a lost answer is recognised, not recorded twice.
            'idempotency-key': `receipt:${messageId}`,
            ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify(receipt),
          signal: AbortSignal.timeout(5_000),
        });
        await response.arrayBuffer();
        if (response.ok) {
          report.webhook = 'reported';
          delete report.lastError;
          options.logger.info({ messageId, reference, status: receipt.status, attempt }, 'receipt reported');
          return;
        }
        report.lastError = `HTTP ${response.status}`;
        if (!retriable(response.status)) break;
      } catch (err) {
        report.lastError = (err as Error).message;
      }
      if (attempt < options.attempts) await wait(Math.min(options.retryBaseMs * 2 ** (attempt - 1), 10_000));
    }
    report.webhook = 'given-up';
    options.logger.warn({ messageId, reference, error: report.lastError }, 'receipt not reported');
  };

  return {
    send(messageId, reference, receipt, report) {
      const done: Promise<void> = deliver(messageId, reference, receipt, report).finally(() =>
        inFlight.delete(done),
      );
      inFlight.add(done);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
};
