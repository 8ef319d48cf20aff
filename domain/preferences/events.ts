import type { NotificationPreferences } from './preferences';

interface PreferencesEventOf<Type extends string, Data> {
  type: Type;
  data: Data & { occurredAt: string };
}

/** The customer's preferences from now on (the whole set, so one event is the whole state). */
export type NotificationPreferencesSet = PreferencesEventOf<
  'NotificationPreferencesSet',
  NotificationPreferences
>;

export type PreferencesEvent = NotificationPreferencesSet;

export type PreferencesEventType = PreferencesEvent['type'];

export const PREFERENCES_EVENT_TYPES = [
  'NotificationPreferencesSet',
] as const satisfies readonly PreferencesEventType[];

const _everyEventTypeListed: [
  Exclude<PreferencesEventType, (typeof PREFERENCES_EVENT_TYPES)[number]>,
] extends [never]
  ? true
  : never = true;
