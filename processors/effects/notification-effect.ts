import type { NotificationCommand } from '../../domain/notification/commands';
import { effectNeeded, providerIdempotencyKey } from '../../domain/notification/effect-needed';
import type { NotificationState } from '../../domain/notification/state';
import type { NotificationClient } from '../../lib/clients/notification-client';
import { renderTemplate } from '../../domain/notification/templates';

/** Delivers a notification through its channel's provider and records sent or failed. */
export const notificationEffect =
  (provider: NotificationClient) =>
  async (command: NotificationCommand, state: NotificationState): Promise<NotificationCommand> => {
    if (command.type !== 'SendNotification' || !effectNeeded(command, state)) return command;
    const attempts = (state.status === 'Failed' ? state.failures : 0) + 1;
    try {
      const { subject, body } = renderTemplate(command.template, command.params, {
        channel: command.channel,
        ...(command.locale !== undefined ? { locale: command.locale } : {}),
      });
      const result = await provider.send(
        command.channel,
        {
          to: command.customerId,
          subject,
          body,
          orderId: command.orderId,
          reference: command.notificationId,
        },
        { idempotencyKey: providerIdempotencyKey(command, state) },
      );
      return { ...command, outcome: { status: 'sent', providerRef: result.messageId, attempts } };
    } catch (err) {
      return { ...command, outcome: { status: 'failed', reason: (err as Error).message, attempts } };
    }
  };
