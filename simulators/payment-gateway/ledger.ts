/**
 * Money the gateway moved, per order, in integer minor units (as domain/order/money.ts carries
 * it). Tests check money conservation against it: for every order, net = captured - refunded
 * and never below zero.
 */
export interface LedgerCapture {
  captureId: string;
  amount: number;
  at: string;
}

export interface LedgerRefund {
  refundId: string;
  captureId?: string;
  amount: number;
  at: string;
  /** The Idempotency-Key it was made under, so a test can tell one refund retried from two. */
  idempotencyKey?: string;
}

export interface OrderLedger {
  orderId: string;
  currency: string;
  captured: number;
  refunded: number;
  net: number;
  captures: LedgerCapture[];
  refunds: LedgerRefund[];
}

export interface LedgerTotals {
  orders: number;
  captures: number;
  refunds: number;
  captured: number;
  refunded: number;
  net: number;
}

export type RefundCheck =
  | { ok: true; currency: string }
  | { ok: false; reason: 'unknown-capture' | 'exceeds-captured' | 'nothing-captured'; detail: string };

export interface Ledger {
  /** The currency already charged to this order, if any: one order is charged in one currency. */
  currencyOf(orderId: string): string | undefined;
  recordCapture(orderId: string, currency: string, capture: LedgerCapture): void;
  /** Whether `amount` may be refunded; refunds never exceed what was captured (per capture too). */
  checkRefund(orderId: string, amount: number, captureId?: string): RefundCheck;
  recordRefund(orderId: string, refund: LedgerRefund): void;
  order(orderId: string): OrderLedger | undefined;
  orders(): OrderLedger[];
  totals(): LedgerTotals;
}

export function createLedger(): Ledger {
  const entries = new Map<string, { currency: string; captures: LedgerCapture[]; refunds: LedgerRefund[] }>();
  const sum = (items: readonly { amount: number }[]) => items.reduce((total, item) => total + item.amount, 0);

  const view = (orderId: string): OrderLedger | undefined => {
    const entry = entries.get(orderId);
    if (!entry) return undefined;
    const captured = sum(entry.captures);
    const refunded = sum(entry.refunds);
    return {
      orderId,
      currency: entry.currency,
      captured,
      refunded,
      net: captured - refunded,
      captures: [...entry.captures],
      refunds: [...entry.refunds],
    };
  };

  return {
    currencyOf: (orderId) => entries.get(orderId)?.currency,
    recordCapture(orderId, currency, capture) {
      const entry = entries.get(orderId) ?? { currency, captures: [], refunds: [] };
      entry.captures.push(capture);
      entries.set(orderId, entry);
    },
    checkRefund(orderId, amount, captureId) {
      const entry = entries.get(orderId);
      if (!entry)
        return { ok: false, reason: 'nothing-captured', detail: `nothing was captured for ${orderId}` };
      const refundable = sum(entry.captures) - sum(entry.refunds);
      if (captureId !== undefined) {
        const capture = entry.captures.find((c) => c.captureId === captureId);
        if (!capture) {
          return { ok: false, reason: 'unknown-capture', detail: `no capture ${captureId} for ${orderId}` };
        }
        const left = capture.amount - sum(entry.refunds.filter((r) => r.captureId === captureId));
        if (amount > left) {
          return {
            ok: false,
            reason: 'exceeds-captured',
            detail: `refund of ${amount} exceeds the ${left} left on capture ${captureId}`,
          };
        }
      }
      if (amount > refundable) {
        return {
          ok: false,
          reason: 'exceeds-captured',
          detail: `refund of ${amount} exceeds the ${refundable} left captured for ${orderId}`,
        };
      }
      return { ok: true, currency: entry.currency };
    },
    recordRefund(orderId, refund) {
      entries.get(orderId)?.refunds.push(refund);
    },
    order: view,
    orders: () => [...entries.keys()].map((id) => view(id) as OrderLedger),
    totals() {
      const totals: LedgerTotals = { orders: 0, captures: 0, refunds: 0, captured: 0, refunded: 0, net: 0 };
      for (const entry of entries.values()) {
        totals.orders += 1;
        totals.captures += entry.captures.length;
        totals.refunds += entry.refunds.length;
        totals.captured += sum(entry.captures);
        totals.refunded += sum(entry.refunds);
      }
      totals.net = totals.captured - totals.refunded;
      return totals;
    },
  };
}
