import { InvalidStateError, ValidationError } from '../../lib/errors';
import { foldEvents } from '../decider';
import { deciderSpecification } from '../testing/decider-spec';
import { TOTAL } from '../testing/order-fixtures';
import { PAYMENT_EVENTS as E, capture, refund, type PaymentCommand } from '../testing/payment-fixtures';
import { paymentDecider } from './decider';
import { effectNeeded, gatewayIdempotencyKey } from './effect-needed';
import type { PaymentEvent } from './events';

const given = deciderSpecification(paymentDecider);
const captured = { status: 'captured', gatewayRef: 'gw-1' } as const;
const refunded = { status: 'refunded', gatewayRef: 'gw-r-1' } as const;
const stateAfter = (events: PaymentEvent[]) => foldEvents(paymentDecider, events);

/** Σ captured − Σ refunded: what the customer has paid, from the events alone. */
const netCharged = (events: PaymentEvent[]): number =>
  events.reduce(
    (sum, e) =>
      e.type === 'PaymentCaptured'
        ? sum + e.data.amount
        : e.type === 'PaymentRefunded'
          ? sum - e.data.amount
          : sum,
    0,
  );

describe('effectNeeded: when the runtime may call the gateway', () => {
  const histories: Record<string, PaymentEvent[]> = {
    None: [],
    Captured: [E.captured],
    Declined: [E.declined],
    Failed: [E.failed],
    Voided: [E.voided],
    Refunded: [E.captured, E.refunded],
    RefundFailed: [E.captured, E.refundFailed],
  };
  // prettier-ignore
  const TABLE: [string, boolean, boolean][] = [
    //  state          capture  refund
    ['None',           true,    false],
    ['Captured',       false,   true],
    ['Declined',       false,   false],
    ['Failed',         false,   true],
    ['Voided',         false,   false],
    ['Refunded',       false,   false],
    ['RefundFailed',   false,   true],
  ];
  it.each(TABLE)('%s: capture %s, refund %s', (name, forCapture, forRefund) => {
    const state = stateAfter(histories[name] as PaymentEvent[]);
    expect(effectNeeded(capture(), state)).toBe(forCapture);
    expect(effectNeeded(refund(), state)).toBe(forRefund);
  });

  it('keys gateway calls by order and operation: every refund retry repeats the same request', () => {
    expect(gatewayIdempotencyKey(capture(), stateAfter([]))).toBe('payment:order-1:capture');
    expect(gatewayIdempotencyKey(refund(), stateAfter([E.captured]))).toBe('payment:order-1:refund');
    expect(gatewayIdempotencyKey(refund(), stateAfter([E.captured, E.refundFailed]))).toBe(
      'payment:order-1:refund',
    );
  });
});

describe('CapturePayment', () => {
  it('records what the gateway answered', () => {
    given([]).when(capture(captured)).then([E.captured]);
    given([])
      .when(capture({ status: 'declined', reason: 'insufficient funds' }))
      .then([E.declined]);
    given([])
      .when(capture({ status: 'failed', reason: 'gateway timeout' }))
      .then([E.failed]);
  });

  it('needs the outcome when the gateway must be called', () => {
    given([])
      .when(capture())
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'outcome');
  });

  it('a capture on a payment that already ended emits nothing and ignores any outcome (never charges twice)', () => {
    for (const history of [[E.captured], [E.declined], [E.failed], [E.voided], [E.captured, E.refunded]]) {
      given(history).when(capture(captured)).then([]);
      given(history).when(capture()).then([]);
    }
  });

  it('refuses to re-capture another amount', () => {
    given([E.captured])
      .when(capture(captured, TOTAL + 1))
      .thenThrows(InvalidStateError);
  });
});

describe('RefundPayment (compensation)', () => {
  it('voids a payment not yet captured, so the capture in flight is refused without charging', () => {
    given([]).when(refund()).then([E.voided]);
    given([E.voided]).when(capture(captured)).then([]);
    expect(effectNeeded(capture(), stateAfter([E.voided]))).toBe(false);
  });

  it('refunds the captured amount', () => {
    given([E.captured]).when(refund(refunded)).then([E.refunded]);
    expect(stateAfter([E.captured, E.refunded])).toMatchObject({ status: 'Refunded', amount: TOTAL });
  });

  it('records a failed refund and lets a later refund retry', () => {
    given([E.captured])
      .when(refund({ status: 'failed', reason: 'gateway timeout' }))
      .then([E.refundFailed]);
    given([E.captured, E.refundFailed]).when(refund(refunded)).then([E.refunded]);
  });

  it('reverses a Failed capture at the gateway, which may still have charged, and voids the payment', () => {
    given([E.failed]).when(refund(refunded)).then([E.voided]);
    given([E.failed])
      .when(refund({ status: 'failed', reason: 'gateway timeout' }))
      .then([E.refundFailed]);
    given([E.failed, E.refundFailed]).when(refund(refunded)).then([E.voided]);
    expect(stateAfter([E.failed, E.refundFailed, E.voided])).toMatchObject({ status: 'Voided' });
    given([E.failed])
      .when(refund())
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'outcome');
  });

  it('is idempotent and never fails on state', () => {
    for (const history of [[E.voided], [E.declined], [E.failed, E.voided], [E.captured, E.refunded]]) {
      given(history).when(refund()).then([]);
    }
    given([E.captured])
      .when(refund())
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'outcome');
  });
});

describe('money and history', () => {
  it('captured − refunded is checkable from the events', () => {
    expect(netCharged([E.captured])).toBe(TOTAL);
    expect(netCharged([E.captured, E.refundFailed, E.refunded])).toBe(0);
    expect(netCharged([E.voided])).toBe(0);
  });

  it('names every malformed field', () => {
    const bad = {
      ...capture(),
      orderId: '',
      amount: 1.5,
      currency: 'eur',
      outcome: { status: 'captured' },
    } as unknown as PaymentCommand;
    const error = given([]).when(bad).thenThrows(ValidationError);
    expect(error.errors.map((e) => e.field).sort()).toEqual(
      ['amount', 'currency', 'orderId', 'outcome.gatewayRef'].sort(),
    );
    given([])
      .when({ ...refund(), reason: '', outcome: { status: 'maybe' } } as unknown as PaymentCommand)
      .thenThrows(ValidationError, (e) => e.errors.map((x) => x.field).join() === 'reason,outcome.status');
  });

  it('refuses histories that cannot exist', () => {
    expect(() => stateAfter([E.captured, E.captured])).toThrow(InvalidStateError);
    expect(() => stateAfter([E.refunded])).toThrow(InvalidStateError);
    expect(() => stateAfter([E.voided, E.captured])).toThrow(InvalidStateError);
    expect(() =>
      stateAfter([E.captured, { ...E.refunded, data: { ...E.refunded.data, amount: 1 } }]),
    ).toThrow(InvalidStateError);
  });
});
