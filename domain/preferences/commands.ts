import type { CommandMeta } from '../order/commands';
import type { NotificationPreferences } from './preferences';

/** Replaces a customer's notification preferences as a whole; the same ones again change nothing. */
export interface SetNotificationPreferences extends NotificationPreferences {
  type: 'SetNotificationPreferences';
  /** The aggregate id: one preferences aggregate per customer. */
  customerId: string;
  expectedVersion?: number;
  meta: CommandMeta;
}

export type PreferencesCommand = SetNotificationPreferences;
