import { Type, type Static } from '@sinclair/typebox';
import { OneOf, commandSchema } from '../command-schema';
import { NOTIFICATION_CHANNELS } from '../notification/templates';

/*
 * The command is one schema (see ../command-schema.ts): the decider validates commands from
 * Kafka with it, the command API derives its request body from it, and the types below (and
 * NotificationPreferences) are `Static` of it.
 */

const Clock = (description = 'Local time HH:MM.') =>
  Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', maxLength: 5, description });

/** Local wall-clock times `HH:MM` in an IANA time zone; a window may cross midnight (22:00–07:00). */
export const QuietHoursSchema = Type.Object(
  {
    start: Clock(),
    end: Clock('Local time HH:MM; before start, the window crosses midnight.'),
    timeZone: Type.String({
      format: 'time-zone',
      minLength: 1,
      maxLength: 64,
      description: 'IANA time zone, e.g. Europe/Zurich.',
    }),
  },
  {
    additionalProperties: false,
    description: 'SMS and push wait until they end; email is sent anyway. Leave out for none.',
  },
);

/** What a customer chose: the channels they are told on, when not to be disturbed, their language. */
export const NotificationPreferencesFields = {
  channels: Type.Array(OneOf(NOTIFICATION_CHANNELS), {
    uniqueItems: true,
    maxItems: NOTIFICATION_CHANNELS.length,
    description: 'The channels to be told on; [] for none.',
  }),
  quietHours: Type.Optional(QuietHoursSchema),
  locale: Type.String({
    pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
    maxLength: 35,
    description: 'BCP 47 language tag.',
  }),
};

export const SetNotificationPreferencesSchema = commandSchema(
  'SetNotificationPreferences',
  'customerId',
  NotificationPreferencesFields,
);

export type SetNotificationPreferences = Static<typeof SetNotificationPreferencesSchema>;

export const PREFERENCES_COMMAND_SCHEMAS = [SetNotificationPreferencesSchema] as const;

export type PreferencesCommand = SetNotificationPreferences;
