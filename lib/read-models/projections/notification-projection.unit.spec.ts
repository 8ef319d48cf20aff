import { NOTIFICATION_EVENT_TYPES, type NotificationEvent } from '../../../domain/notification/events';
import type { NotificationView } from '../views';
import { evolveNotificationView } from './notification-projection';

const at = (n: number): string => `2025-01-01T00:00:0${n}.000Z`;
const id = 'o-1:OrderPaid:email';
const address = { orderId: 'o-1', customerId: 'c-1', channel: 'email' as const, template: 'order-paid' };
const fold = (events: NotificationEvent[]): NotificationView | undefined =>
  events.reduce<NotificationView | undefined>(
    (doc, event, i) =>
      evolveNotificationView(doc, event, { aggregateId: id, version: i + 1, occurredAt: at(i) }),
    undefined,
  );
const failed: NotificationEvent = {
  type: 'NotificationFailed',
  data: { ...address, attempts: 1, reason: 'smtp down', occurredAt: at(0) },
};
const sent: NotificationEvent = {
  type: 'NotificationSent',
  data: { ...address, attempts: 2, providerRef: 'm-1', occurredAt: at(1) },
};

const bounced: NotificationEvent = {
  type: 'NotificationDeliveryReported',
  data: { status: 'bounced', at: at(3), reason: 'mailbox unknown', occurredAt: at(4) },
};

describe('evolveNotificationView', () => {
  it("shows the provider's receipt of a sent notification, and nothing for a receipt without one", () => {
    expect(fold([failed, sent, bounced])).toMatchObject({
      status: 'Sent',
      delivery: { status: 'bounced', at: at(3), reason: 'mailbox unknown' },
      version: 3,
      updatedAt: at(4),
    });
    expect(fold([bounced])).toBeUndefined();
  });

  it('records a failure, then the send that succeeded', () => {
    expect(fold([failed])).toMatchObject({ status: 'Failed', reason: 'smtp down', attempts: 1, version: 1 });
    expect(fold([failed, sent])).toEqual({
      _id: id,
      notificationId: id,
      ...address,
      status: 'Sent',
      attempts: 2,
      providerRef: 'm-1',
      version: 2,
      updatedAt: at(1),
    });
  });

  it('covers every notification event type', () => {
    expect(new Set([failed.type, sent.type, bounced.type])).toEqual(new Set(NOTIFICATION_EVENT_TYPES));
  });

  it('returns the same document for a redelivered event', () => {
    const doc = fold([failed, sent]) as NotificationView;
    expect(evolveNotificationView(doc, failed, { aggregateId: id, version: 1, occurredAt: at(0) })).toBe(doc);
    expect(evolveNotificationView(doc, sent, { aggregateId: id, version: 2, occurredAt: at(0) })).toBe(doc);
  });
});
