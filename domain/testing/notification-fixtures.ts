import type { RecordDeliveryReceipt, SendNotification, SendOutcome } from '../notification/commands';
import type { NotificationEvent } from '../notification/events';
import { ISSUED_AT, ORDER_ID, meta } from './order-fixtures';

const occurredAt = ISSUED_AT;
export const NOTIFICATION_ID = `${ORDER_ID}:OrderPlaced:email`;

export const sendNotification = (outcome?: SendOutcome): SendNotification => ({
  type: 'SendNotification',
  notificationId: NOTIFICATION_ID,
  orderId: ORDER_ID,
  customerId: 'cust-1',
  channel: 'email',
  template: 'order-placed',
  params: { orderId: ORDER_ID, total: '34.99 EUR' },
  ...(outcome === undefined ? {} : { outcome }),
  meta: meta(),
});

const addressed = {
  orderId: ORDER_ID,
  customerId: 'cust-1',
  channel: 'email',
  template: 'order-placed',
} as const;

export const NOTIFICATION_EVENTS = {
  sent: { type: 'NotificationSent', data: { ...addressed, attempts: 1, providerRef: 'msg-1', occurredAt } },
  failed: {
    type: 'NotificationFailed',
    data: { ...addressed, attempts: 3, reason: 'mailbox full', occurredAt },
  },
  delivered: {
    type: 'NotificationDeliveryReported',
    data: { status: 'delivered', at: '2025-03-01T10:00:09.000Z', occurredAt },
  },
  bounced: {
    type: 'NotificationDeliveryReported',
    data: { status: 'bounced', at: '2025-03-01T10:00:09.000Z', reason: 'mailbox unknown', occurredAt },
  },
} satisfies Record<string, NotificationEvent>;

export const receipt = (
  status: 'delivered' | 'bounced' | 'failed',
  reason?: string,
): RecordDeliveryReceipt => ({
  type: 'RecordDeliveryReceipt',
  notificationId: NOTIFICATION_ID,
  status,
  at: '2025-03-01T10:00:09.000Z',
  ...(reason !== undefined ? { reason } : {}),
  meta: meta(),
});
