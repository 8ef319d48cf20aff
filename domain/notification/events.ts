import type { DeliveryStatus } from './commands';
import type { NotificationChannel } from './templates';

interface NotificationEventOf<Type extends string, Data> {
  type: Type;
  data: Data & { occurredAt: string };
}

interface Addressed {
  orderId: string;
  customerId: string;
  channel: NotificationChannel;
  template: string;
  attempts: number;
}

export type NotificationSent = NotificationEventOf<'NotificationSent', Addressed & { providerRef: string }>;
export type NotificationFailed = NotificationEventOf<'NotificationFailed', Addressed & { reason: string }>;

/** The provider's receipt for a sent notification: delivered, bounced or failed on its side. */
export type NotificationDeliveryReported = NotificationEventOf<
  'NotificationDeliveryReported',
  { status: DeliveryStatus; at: string; reason?: string }
>;

export type NotificationEvent = NotificationSent | NotificationFailed | NotificationDeliveryReported;

export type NotificationEventType = NotificationEvent['type'];

export const NOTIFICATION_EVENT_TYPES = [
  'NotificationSent',
  'NotificationFailed',
  'NotificationDeliveryReported',
] as const satisfies readonly NotificationEventType[];

const _everyEventTypeListed: [
  Exclude<NotificationEventType, (typeof NOTIFICATION_EVENT_TYPES)[number]>,
] extends [never]
  ? true
  : never = true;
