import type { CommandMeta } from '../order/commands';
import type { NotificationChannel } from './templates';

/** What the provider answered; `attempts` counts the runtime's tries behind this one outcome. */
export type SendOutcome =
  | { status: 'sent'; providerRef: string; attempts: number }
  | { status: 'failed'; reason: string; attempts: number };

export interface SendNotification {
  type: 'SendNotification';
  /** The aggregate id, `<orderId>:<trigger event type>:<channel>` (notificationIdOf). */
  notificationId: string;
  orderId: string;
  customerId: string;
  channel: NotificationChannel;
  /** A TemplateId of templates.ts. */
  template: string;
  params: Record<string, string>;
  /** The customer's language (their preferences); the text falls back to English without one. */
  locale?: string;
  /** Required exactly when `effectNeeded` says the provider must be called. */
  outcome?: SendOutcome;
  expectedVersion?: number;
  meta: CommandMeta;
}

/** What the provider finally did with a sent message (its receipt, relayed by its webhook). */
export const DELIVERY_STATUSES = ['delivered', 'bounced', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Records a provider's receipt for a sent notification; the same receipt again changes nothing. */
export interface RecordDeliveryReceipt {
  type: 'RecordDeliveryReceipt';
  notificationId: string;
  status: DeliveryStatus;
  /** When the provider saw it happen. */
  at: string;
  /** Why it bounced or failed, as the provider says. */
  reason?: string;
  expectedVersion?: number;
  meta: CommandMeta;
}

export type NotificationCommand = SendNotification | RecordDeliveryReceipt;
