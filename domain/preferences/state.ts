import type { NotificationPreferences } from './preferences';

/** `Default` until the customer first chooses; the defaults then apply (DEFAULT_PREFERENCES). */
export type PreferencesState = { status: 'Default' } | ({ status: 'Chosen' } & NotificationPreferences);

export const initialPreferencesState = (): PreferencesState => ({ status: 'Default' });
