import type { PreferencesEvent } from '../../../domain/preferences/events';
import type { PreferencesView } from '../views';
import { alreadyApplied, unknownEvent, type EventEnvelope } from './envelope';

/** A customer's notification preferences: every event carries the whole set, so it writes it in full. */
export const evolvePreferencesView = (
  doc: PreferencesView | undefined,
  event: PreferencesEvent,
  envelope: EventEnvelope,
): PreferencesView | undefined => {
  if (alreadyApplied(doc, envelope)) return doc;
  // One event type today; a record of any other type is refused like in every other view.
  if (event.type !== 'NotificationPreferencesSet') throw unknownEvent('preferences', event as never);
  const { channels, quietHours, locale, occurredAt } = event.data;
  return {
    _id: envelope.aggregateId,
    customerId: envelope.aggregateId,
    channels,
    quietHours: quietHours ?? null,
    locale,
    version: envelope.version,
    updatedAt: occurredAt,
  };
};
