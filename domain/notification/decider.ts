import type { Decider } from '../decider';
import { invalidField } from '../order/field-checks';
import type { NotificationCommand } from './commands';
import type { NotificationEvent } from './events';
import { evolveNotification } from './evolve';
import { effectNeeded } from './effect-needed';
import { initialNotificationState, type NotificationState } from './state';
import { validateNotificationCommand } from './validate-command';

/** A sent notification is never sent again; a failed one may be retried by a later command. */
export const decideNotification = (
  command: NotificationCommand,
  state: NotificationState,
): NotificationEvent[] => {
  validateNotificationCommand(command);
  if (!effectNeeded(command, state)) return [];
  const { outcome, orderId, customerId, channel, template } = command;
  if (outcome === undefined) {
    throw invalidField(
      'outcome',
      'is required: the provider must be called before SendNotification is decided',
    );
  }
  const occurredAt = command.meta.issuedAt;
  const addressed = { orderId, customerId, channel, template, attempts: outcome.attempts };
  return outcome.status === 'sent'
    ? [{ type: 'NotificationSent', data: { ...addressed, providerRef: outcome.providerRef, occurredAt } }]
    : [{ type: 'NotificationFailed', data: { ...addressed, reason: outcome.reason, occurredAt } }];
};

export const notificationDecider: Decider<NotificationCommand, NotificationEvent, NotificationState> = {
  decide: decideNotification,
  evolve: evolveNotification,
  initialState: initialNotificationState,
};
