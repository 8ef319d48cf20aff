import { commandValidator } from '../command-validator';
import { PREFERENCES_COMMAND_SCHEMAS, type PreferencesCommand } from './commands';

/** Throws a ValidationError naming every malformed field. */
export const validatePreferencesCommand: (command: PreferencesCommand) => void =
  commandValidator<PreferencesCommand>('preferences', PREFERENCES_COMMAND_SCHEMAS);
