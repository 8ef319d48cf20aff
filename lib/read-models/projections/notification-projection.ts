import type { NotificationEvent } from '../../../domain/notification/events';
import type { NotificationView } from '../views';
import { alreadyApplied, unknownEvent, type EventEnvelope } from './envelope';

/**
 * One notification (aggregate id `<orderId>:<trigger>:<channel>`): its latest outcome. Every
 * event carries the whole address, so each one writes the document in full.
 */
export const evolveNotificationView = (
  doc: NotificationView | undefined,
  event: NotificationEvent,
  envelope: EventEnvelope,
): NotificationView | undefined => {
  if (alreadyApplied(doc, envelope)) return doc;
  if (event.type === 'NotificationDeliveryReported') {
    // A receipt follows NotificationSent, so the document exists; one without it has nothing to show.
    if (!doc) return undefined;
    const { status, at, reason, occurredAt: reportedAt } = event.data;
    return {
      ...doc,
      delivery: { status, at, ...(reason !== undefined ? { reason } : {}) },
      version: envelope.version,
      updatedAt: reportedAt,
    };
  }
  const { orderId, customerId, channel, template, attempts, occurredAt } = event.data;
  const base = {
    _id: envelope.aggregateId,
    notificationId: envelope.aggregateId,
    orderId,
    customerId,
    channel,
    template,
    attempts,
    version: envelope.version,
    updatedAt: occurredAt,
  };
  switch (event.type) {
    case 'NotificationSent':
      return { ...base, status: 'Sent', providerRef: event.data.providerRef };
    case 'NotificationFailed':
      return {
        ...base,
        status: 'Failed',
        reason: event.data.reason,
        ...(doc?.providerRef ? { providerRef: doc.providerRef } : {}),
      };
    default:
      throw unknownEvent('notification', event);
  }
};
