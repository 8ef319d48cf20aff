import type { Decider } from '../decider';
import { invalidField } from '../command-validator';
import { InvalidStateError } from '../../lib/errors';
import type { NotificationCommand, RecordDeliveryReceipt } from './commands';
import type { NotificationEvent } from './events';
import { evolveNotification } from './evolve';
import { effectNeeded } from './effect-needed';
import { initialNotificationState, type NotificationState } from './state';
import { validateNotificationCommand } from './validate-command';

/** A receipt is for a sent message; the latest one counts, and the same one again is no news. */
const recordReceipt = (command: RecordDeliveryReceipt, state: NotificationState): NotificationEvent[] => {
  if (state.status !== 'Sent') {
    throw new InvalidStateError(
      `notification ${command.notificationId} was not sent; no receipt can be for it`,
    );
  }
  const { status, at, reason } = command;
  const delivery = { status, at, ...(reason !== undefined ? { reason } : {}) };
  if (JSON.stringify(state.delivery) === JSON.stringify(delivery)) return [];
  return [{ type: 'NotificationDeliveryReported', data: { ...delivery, occurredAt: command.meta.issuedAt } }];
};

/** A sent notification is never sent again; a failed one may be retried by a later command. */
export const decideNotification = (
  command: NotificationCommand,
  state: NotificationState,
): NotificationEvent[] => {
  validateNotificationCommand(command);
  if (command.type === 'RecordDeliveryReceipt') return recordReceipt(command, state);
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
