import type { PreferencesEvent } from '../../../domain/preferences/events';
import { evolvePreferencesView } from './preferences-projection';

const chosen = (data: Omit<PreferencesEvent['data'], 'occurredAt'>, at: string): PreferencesEvent => ({
  type: 'NotificationPreferencesSet',
  data: { ...data, occurredAt: at },
});

describe('evolvePreferencesView', () => {
  it('writes the whole choice, quiet hours as null when there are none', () => {
    const first = evolvePreferencesView(
      undefined,
      chosen({ channels: ['email'], locale: 'en' }, '2025-01-01T00:00:00.000Z'),
      { aggregateId: 'c-1', version: 1, occurredAt: '2025-01-01T00:00:00.000Z' },
    );
    expect(first).toEqual({
      _id: 'c-1',
      customerId: 'c-1',
      channels: ['email'],
      quietHours: null,
      locale: 'en',
      version: 1,
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    const night = { start: '22:00', end: '07:00', timeZone: 'UTC' };
    const second = evolvePreferencesView(
      first,
      chosen({ channels: ['sms', 'push'], quietHours: night, locale: 'fr' }, '2025-01-02T00:00:00.000Z'),
      { aggregateId: 'c-1', version: 2, occurredAt: '2025-01-02T00:00:00.000Z' },
    );
    expect(second).toMatchObject({ channels: ['sms', 'push'], quietHours: night, locale: 'fr', version: 2 });
    // A redelivered older event leaves the document as it is.
    expect(
      evolvePreferencesView(second, chosen({ channels: [], locale: 'en' }, 'x'), {
        aggregateId: 'c-1',
        version: 1,
        occurredAt: 'x',
      }),
    ).toBe(second);
  });
});
