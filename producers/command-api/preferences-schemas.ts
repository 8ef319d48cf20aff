import { NOTIFICATION_CHANNELS, type NotificationChannel } from '../../domain/notification/templates';
import { DEFAULT_PREFERENCES } from '../../domain/preferences/preferences';

export interface SetPreferencesBody {
  channels: NotificationChannel[];
  quietHours?: { start: string; end: string; timeZone: string };
  locale?: string;
  expectedVersion?: number;
}

const clock = {
  type: 'string',
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  maxLength: 5,
  description: 'Local time HH:MM.',
} as const;

/**
 * The whole set of a customer's notification preferences; it replaces the one in force.
 * request-schemas.ts adds `expectedVersion` (as every command body has) to make the body schema.
 */
export const preferencesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['channels'],
  properties: {
    channels: {
      type: 'array',
      items: { type: 'string', enum: [...NOTIFICATION_CHANNELS] },
      uniqueItems: true,
      maxItems: NOTIFICATION_CHANNELS.length,
      description: 'The channels to be told on; [] for none.',
    },
    quietHours: {
      type: 'object',
      additionalProperties: false,
      required: ['start', 'end', 'timeZone'],
      properties: {
        start: clock,
        end: { ...clock, description: 'Local time HH:MM; before start, the window crosses midnight.' },
        timeZone: {
          type: 'string',
          minLength: 1,
          maxLength: 64,
          description: 'IANA time zone, e.g. Europe/Zurich.',
        },
      },
      description: 'SMS and push wait until they end; email is sent anyway. Leave out for none.',
    },
    locale: {
      type: 'string',
      pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
      maxLength: 35,
      default: DEFAULT_PREFERENCES.locale,
      description: 'BCP 47 language tag.',
    },
  },
} as const;
