import { InvalidStateError } from '../../lib/errors';
import type { PreferencesEvent } from './events';
import type { PreferencesState } from './state';

export const evolvePreferences = (_state: PreferencesState, event: PreferencesEvent): PreferencesState => {
  switch (event.type) {
    case 'NotificationPreferencesSet': {
      const { channels, quietHours, locale } = event.data;
      return { status: 'Chosen', channels, ...(quietHours ? { quietHours } : {}), locale };
    }
    default: {
      const unhandled: never = event.type;
      throw new InvalidStateError(`unknown preferences event ${JSON.stringify(unhandled)}`);
    }
  }
};
