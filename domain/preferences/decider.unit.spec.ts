import { ValidationError } from '../../lib/errors';
import { deciderSpecification } from '../testing/decider-spec';
import { meta } from '../testing/order-fixtures';
import type { PreferencesCommand } from './commands';
import { preferencesDecider, preferencesOf } from './decider';
import type { PreferencesEvent } from './events';
import { channelsAt, DEFAULT_PREFERENCES, inQuietHours, type NotificationPreferences } from './preferences';

const given = deciderSpecification(preferencesDecider);
const set = (preferences: Partial<NotificationPreferences>): PreferencesCommand => ({
  type: 'SetNotificationPreferences',
  customerId: 'c-1',
  ...DEFAULT_PREFERENCES,
  ...preferences,
  meta: meta(),
});
const night = { start: '22:00', end: '07:00', timeZone: 'Europe/Zurich' };
const chosen = (preferences: NotificationPreferences): PreferencesEvent => ({
  type: 'NotificationPreferencesSet',
  data: { ...preferences, occurredAt: meta().issuedAt },
});

describe('SetNotificationPreferences', () => {
  it('records the choice with its channels in the fixed order', () => {
    given([])
      .when(set({ channels: ['push', 'email'], quietHours: night, locale: 'de-CH' }))
      .then([chosen({ channels: ['email', 'push'], quietHours: night, locale: 'de-CH' })]);
  });

  it('records nothing when the choice is the one in force, the defaults included', () => {
    given([]).when(set({})).then([]);
    const sms = { channels: ['sms'], locale: 'fr' } as NotificationPreferences;
    given([chosen(sms)])
      .when(set(sms))
      .then([]);
    given([chosen(sms)])
      .when(set({}))
      .then([chosen(DEFAULT_PREFERENCES)]);
  });

  it('refuses unknown or repeated channels, bad times, an unknown time zone and a malformed locale', () => {
    const fields = (command: PreferencesCommand) =>
      given([])
        .when(command)
        .thenThrows(ValidationError)
        .errors.map((e) => e.field);
    expect(fields(set({ channels: ['fax' as never] }))).toEqual(['channels[0]']);
    expect(fields(set({ channels: ['sms', 'sms'] }))).toEqual(['channels']);
    expect(fields(set({ quietHours: { start: '24:00', end: '7:00', timeZone: 'Mars/Olympus' } }))).toEqual([
      'quietHours.start',
      'quietHours.end',
      'quietHours.timeZone',
    ]);
    expect(fields(set({ locale: 'english please' }))).toEqual(['locale']);
  });

  it('gives the preferences in force: the defaults before any choice', () => {
    expect(preferencesOf(preferencesDecider.initialState())).toEqual(DEFAULT_PREFERENCES);
    const state = preferencesDecider.evolve(
      preferencesDecider.initialState(),
      chosen({ ...DEFAULT_PREFERENCES, locale: 'it' }),
    );
    expect(preferencesOf(state)).toMatchObject({ locale: 'it' });
  });
});

describe('quiet hours', () => {
  const all = {
    channels: ['email', 'sms', 'push'],
    quietHours: night,
    locale: 'en',
  } as NotificationPreferences;

  it('hold back SMS and push, not email, inside a window that crosses midnight, in the local time zone', () => {
    // 21:30 UTC is 22:30 in Zurich in winter (UTC+1): inside 22:00–07:00.
    expect(inQuietHours(night, '2025-01-15T21:30:00.000Z')).toBe(true);
    expect(channelsAt(all, '2025-01-15T21:30:00.000Z')).toEqual(['email']);
    // 05:59 UTC is 06:59 local, still quiet; 06:00 UTC is 07:00 local, the window's end.
    expect(inQuietHours(night, '2025-01-16T05:59:00.000Z')).toBe(true);
    expect(channelsAt(all, '2025-01-16T06:00:00.000Z')).toEqual(['email', 'sms', 'push']);
    // Summer time (UTC+2): 20:30 UTC is 22:30 local.
    expect(inQuietHours(night, '2025-07-15T20:30:00.000Z')).toBe(true);
    expect(inQuietHours(night, '2025-07-15T19:30:00.000Z')).toBe(false);
  });

  it('takes a window within one day, and none at all when start equals end or there are none', () => {
    const lunch = { start: '12:00', end: '13:00', timeZone: 'UTC' };
    expect(inQuietHours(lunch, '2025-01-15T12:30:00.000Z')).toBe(true);
    expect(inQuietHours(lunch, '2025-01-15T13:00:00.000Z')).toBe(false);
    expect(inQuietHours({ ...lunch, end: '12:00' }, '2025-01-15T12:00:00.000Z')).toBe(false);
    expect(inQuietHours(undefined, '2025-01-15T12:30:00.000Z')).toBe(false);
  });
});
