import type { FieldError } from '../../lib/errors';
import { commandValidator } from '../command-validator';
import { NOTIFICATION_COMMAND_SCHEMAS, type NotificationCommand } from './commands';
import { isTemplateId, missingParams } from './templates';

/** What a schema cannot say: the id names the order and channel, and the template exists and can be rendered. */
const sendRules = (command: NotificationCommand): FieldError[] => {
  if (command.type !== 'SendNotification') return [];
  const problems: FieldError[] = [];
  const { notificationId, orderId, channel, template, params } = command;
  if (
    typeof notificationId === 'string' &&
    !(notificationId.startsWith(`${orderId}:`) && notificationId.endsWith(`:${channel}`))
  ) {
    problems.push({ field: 'notificationId', message: 'must be <orderId>:<trigger>:<channel>' });
  }
  if (!isTemplateId(template)) {
    problems.push({ field: 'template', message: 'must be a known template' });
  } else if (params !== null && typeof params === 'object') {
    for (const name of missingParams(template, params)) {
      problems.push({ field: `params.${name}`, message: 'is required by the template' });
    }
  }
  return problems;
};

/** Throws a ValidationError naming every malformed field. */
export const validateNotificationCommand: (command: NotificationCommand) => void =
  commandValidator<NotificationCommand>('notification', NOTIFICATION_COMMAND_SCHEMAS, sendRules);
