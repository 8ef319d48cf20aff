import type { Static, TObject } from '@sinclair/typebox';
import type { NotificationPreferencesFields, QuietHoursSchema } from './commands';
import { NOTIFICATION_CHANNELS, type NotificationChannel } from '../notification/templates';

/** Local wall-clock times `HH:MM` in an IANA time zone; a window may cross midnight (22:00–07:00). */
export type QuietHours = Static<typeof QuietHoursSchema>;

/**
 * What a customer chose: the channels they are told on, when not to be disturbed (absent: no
 * quiet hours), and their language as a BCP 47 tag (`en`, `de-CH`).
 */
export type NotificationPreferences = Static<TObject<typeof NotificationPreferencesFields>>;

/** What a customer who never chose gets: email, any time, in English. */
export const DEFAULT_PREFERENCES: NotificationPreferences = Object.freeze({
  channels: ['email'],
  locale: 'en',
}) as NotificationPreferences;

/** Channels that interrupt (a ring, a banner): quiet hours hold them back; email waits in the inbox anyway. */
const INTRUSIVE: ReadonlySet<NotificationChannel> = new Set(['sms', 'push']);

/** The wall-clock minute of the day at `instant` in `timeZone` (Intl's tables: no clock is read). */
const minuteOfDay = (instant: string, timeZone: string): number => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
};

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `instant` falls in the window [start, end), which wraps past midnight when end ≤ start. */
export const inQuietHours = (quietHours: QuietHours | undefined, instant: string): boolean => {
  if (quietHours === undefined) return false;
  const now = minuteOfDay(instant, quietHours.timeZone);
  const start = minutes(quietHours.start);
  const end = minutes(quietHours.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
};

/**
 * The channels to notify on at `instant`, each once, in a fixed order (email, sms, push): the
 * chosen ones, less the intrusive ones during quiet hours.
 */
export const channelsAt = (preferences: NotificationPreferences, instant: string): NotificationChannel[] => {
  const quiet = inQuietHours(preferences.quietHours, instant);
  return NOTIFICATION_CHANNELS.filter(
    (channel) => preferences.channels.includes(channel) && !(quiet && INTRUSIVE.has(channel)),
  );
};
