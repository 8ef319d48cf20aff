import type { FieldError } from '../../lib/errors';
import { NOTIFICATION_CHANNELS } from '../notification/templates';
import { checkEnvelope, isObject, throwIfInvalid, unknownType } from '../order/field-checks';
import type { PreferencesCommand } from './commands';
import { HH_MM, isTimeZone } from './preferences';

const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** Throws a ValidationError naming every malformed field. */
export const validatePreferencesCommand = (command: PreferencesCommand): void => {
  const errors: FieldError[] = [];
  checkEnvelope(errors, command, 'customerId', command.customerId);
  switch (command.type) {
    case 'SetNotificationPreferences': {
      const { channels, quietHours, locale } = command;
      if (
        !Array.isArray(channels) ||
        channels.some((c) => !(NOTIFICATION_CHANNELS as readonly unknown[]).includes(c)) ||
        new Set(channels).size !== channels.length
      ) {
        errors.push({
          field: 'channels',
          message: `must list distinct channels of ${NOTIFICATION_CHANNELS.join(', ')}`,
        });
      }
      if (quietHours !== undefined) {
        if (!isObject(quietHours)) errors.push({ field: 'quietHours', message: 'must be an object' });
        else {
          for (const field of ['start', 'end'] as const) {
            if (typeof quietHours[field] !== 'string' || !HH_MM.test(quietHours[field])) {
              errors.push({ field: `quietHours.${field}`, message: 'must be a time HH:MM' });
            }
          }
          if (typeof quietHours.timeZone !== 'string' || !isTimeZone(quietHours.timeZone)) {
            errors.push({ field: 'quietHours.timeZone', message: 'must be an IANA time zone' });
          }
        }
      }
      if (typeof locale !== 'string' || !LOCALE.test(locale)) {
        errors.push({ field: 'locale', message: 'must be a BCP 47 language tag' });
      }
      break;
    }
    default: {
      const unknown: never = command.type;
      unknownType(errors, 'preferences', unknown);
    }
  }
  throwIfInvalid(command.type, errors);
};
