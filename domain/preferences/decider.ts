import type { Decider } from '../decider';
import type { PreferencesCommand } from './commands';
import type { PreferencesEvent } from './events';
import { evolvePreferences } from './evolve';
import { NOTIFICATION_CHANNELS } from '../notification/templates';
import { DEFAULT_PREFERENCES, type NotificationPreferences } from './preferences';
import { initialPreferencesState, type PreferencesState } from './state';
import { validatePreferencesCommand } from './validate-command';

/** The preferences in force: the chosen ones, or the defaults before any choice. */
export const preferencesOf = (state: PreferencesState): NotificationPreferences =>
  state.status === 'Chosen'
    ? {
        channels: state.channels,
        ...(state.quietHours ? { quietHours: state.quietHours } : {}),
        locale: state.locale,
      }
    : DEFAULT_PREFERENCES;

/** Both sides are normalised (channel order, field order), so equal JSON is an equal choice. */
const same = (a: NotificationPreferences, b: NotificationPreferences): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** Idempotent: setting the preferences in force again (the defaults included) records nothing. */
export const decidePreferences = (
  command: PreferencesCommand,
  state: PreferencesState,
): PreferencesEvent[] => {
  validatePreferencesCommand(command);
  const { channels, quietHours, locale } = command;
  const wanted: NotificationPreferences = {
    // Stored in the fixed channel order, so the same choice is always the same event.
    channels: NOTIFICATION_CHANNELS.filter((channel) => channels.includes(channel)),
    ...(quietHours
      ? { quietHours: { start: quietHours.start, end: quietHours.end, timeZone: quietHours.timeZone } }
      : {}),
    locale,
  };
  if (same(wanted, preferencesOf(state))) return [];
  return [{ type: 'NotificationPreferencesSet', data: { ...wanted, occurredAt: command.meta.issuedAt } }];
};

export const preferencesDecider: Decider<PreferencesCommand, PreferencesEvent, PreferencesState> = {
  decide: decidePreferences,
  evolve: evolvePreferences,
  initialState: initialPreferencesState,
};
