import { foldEvents, type ProjectionEvent, type ViewDocument } from './projection-views';
import { progressMeter } from '../replay/replay-progress';

const event = (version: number, type: string, data: object): ProjectionEvent => ({
  view: 'payments',
  aggregateId: 'o-1',
  version,
  occurredAt: '2025-01-01T00:00:00.000Z',
  event: { type, data: { occurredAt: '2025-01-01T00:00:00.000Z', ...data } },
});

describe('foldEvents', () => {
  it('folds a batch onto the current documents and reports only the ones that moved', () => {
    const docs = new Map<string, ViewDocument>();
    const batch = [
      event(1, 'PaymentCaptured', { amount: 5, currency: 'EUR', gatewayRef: 'g' }),
      event(2, 'PaymentRefunded', { amount: 5, gatewayRef: 'r' }),
    ];
    expect([...foldEvents(docs, batch)]).toEqual(['o-1']);
    expect(docs.get('o-1')).toMatchObject({ status: 'Refunded', version: 2 });
    const before = docs.get('o-1');
    expect(foldEvents(docs, batch).size).toBe(0);
    expect(docs.get('o-1')).toBe(before);
  });
});

describe('progressMeter', () => {
  it('computes percent, rate and ETA from offsets and events', () => {
    let now = 0;
    const meter = progressMeter('job', 1_000n, () => now);
    now = 2_000;
    expect(meter.snapshot({ offsetsDone: 250n, eventsDone: 240 })).toMatchObject({
      percent: 25,
      eventsPerSecond: 120,
      etaSeconds: 6,
      eventsTotal: 1_000,
    });
  });
});
