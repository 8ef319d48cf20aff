import { commandValidator } from '../command-validator';
import { PREFERENCES_COMMAND_SCHEMAS, type PreferencesCommand } from './commands';
import { isTimeZone } from './preferences';

/** Throws a ValidationError naming every malformed field. */
export const validatePreferencesCommand: (command: PreferencesCommand) => void =
  commandValidator<PreferencesCommand>('preferences', PREFERENCES_COMMAND_SCHEMAS, ({ quietHours }) =>
    typeof quietHours?.timeZone === 'string' && !isTimeZone(quietHours.timeZone)
      ? [{ field: 'quietHours.timeZone', message: 'must be an IANA time zone' }]
      : [],
  );
