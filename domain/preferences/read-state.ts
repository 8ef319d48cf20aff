import { NOTIFICATION_CHANNELS } from '../notification/templates';
import { arrayOf, byStatus, object, oneOf, optional, string, type StateReader } from '../state-reader';
import type { QuietHours } from './preferences';
import type { PreferencesState } from './state';

type Variant<S extends PreferencesState['status']> = Extract<PreferencesState, { status: S }>;

/** A customer's preferences state from a snapshot, or a StateShapeError naming the first field out of shape. */
export const readPreferencesState: StateReader<PreferencesState> = byStatus<PreferencesState>({
  Default: object<Variant<'Default'>>({ status: oneOf(['Default']) }),
  Chosen: object<Variant<'Chosen'>>({
    status: oneOf(['Chosen']),
    channels: arrayOf(oneOf(NOTIFICATION_CHANNELS)),
    quietHours: optional(object<QuietHours>({ start: string, end: string, timeZone: string })),
    locale: string,
  }),
});
