import type { DeliveryStatus } from './commands';

export type NotificationState =
  | { status: 'None' }
  | {
      status: 'Sent';
      providerRef: string;
      attempts: number;
      /** The provider's latest receipt, once one came. */
      delivery?: { status: DeliveryStatus; at: string; reason?: string };
    }
  /** Failed so far; a later SendNotification tries again (notifications are best effort, not final). */
  | { status: 'Failed'; reason: string; attempts: number; failures: number };

export const initialNotificationState = (): NotificationState => ({ status: 'None' });
