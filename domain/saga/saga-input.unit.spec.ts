import { sagaInputOf } from './saga-input';

const event = (aggregate: string, type: string) => ({
  aggregate,
  aggregateId: 'o-1',
  version: 3,
  eventId: 'o-1:3',
  event: { type, data: { occurredAt: '2026-01-01T00:00:00.000Z' } },
});

describe('sagaInputOf', () => {
  it('passes an event of an aggregate the saga follows, as it came', () => {
    expect(sagaInputOf(event('orders', 'OrderPlaced'))).toEqual(event('orders', 'OrderPlaced'));
    expect(sagaInputOf(event('payments', 'PaymentCaptured'))?.aggregate).toBe('payments');
  });

  it('leaves out aggregates the saga does not follow and types their aggregate does not have', () => {
    expect(sagaInputOf(event('preferences', 'PreferencesChanged'))).toBeUndefined();
    expect(sagaInputOf(event('orders', 'PaymentCaptured'))).toBeUndefined();
    expect(sagaInputOf(event('orders', 'toString'))).toBeUndefined();
    expect(sagaInputOf(event('toString', 'OrderPlaced'))).toBeUndefined();
  });
});
