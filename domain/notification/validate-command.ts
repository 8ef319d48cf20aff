import type { FieldError } from '../../lib/errors';
import {
  checkEnvelope,
  integerIn,
  isObject,
  isoInstant,
  nonEmptyString,
  object,
  oneOf,
  optional,
  throwIfInvalid,
  unknownType,
} from '../order/field-checks';
import { DELIVERY_STATUSES, type NotificationCommand } from './commands';
import { NOTIFICATION_CHANNELS, isTemplateId, missingParams } from './templates';

const outcome = object((errors, prefix, value) => {
  oneOf(['sent', 'failed'])(errors, `${prefix}.status`, value.status);
  if (value.status === 'sent') nonEmptyString(errors, `${prefix}.providerRef`, value.providerRef);
  if (value.status === 'failed') nonEmptyString(errors, `${prefix}.reason`, value.reason);
  integerIn(1)(errors, `${prefix}.attempts`, value.attempts);
});

/** Throws a ValidationError naming every malformed field. */
export const validateNotificationCommand = (command: NotificationCommand): void => {
  const errors: FieldError[] = [];
  checkEnvelope(errors, command, 'notificationId', command.notificationId);
  switch (command.type) {
    case 'SendNotification': {
      nonEmptyString(errors, 'orderId', command.orderId);
      nonEmptyString(errors, 'customerId', command.customerId);
      oneOf(NOTIFICATION_CHANNELS)(errors, 'channel', command.channel);
      const { notificationId, orderId, channel } = command;
      if (
        typeof notificationId === 'string' &&
        !(notificationId.startsWith(`${orderId}:`) && notificationId.endsWith(`:${channel}`))
      ) {
        errors.push({ field: 'notificationId', message: 'must be <orderId>:<trigger>:<channel>' });
      }
      const params = isObject(command.params) ? command.params : undefined;
      if (params === undefined || !Object.values(params).every((v) => typeof v === 'string')) {
        errors.push({ field: 'params', message: 'must be an object of strings' });
      }
      if (!isTemplateId(command.template)) {
        errors.push({ field: 'template', message: 'must be a known template' });
      } else if (params !== undefined) {
        for (const name of missingParams(command.template, params as Record<string, string>)) {
          errors.push({ field: `params.${name}`, message: 'is required by the template' });
        }
      }
      optional(outcome)(errors, 'outcome', command.outcome);
      optional(nonEmptyString)(errors, 'locale', command.locale);
      break;
    }
    case 'RecordDeliveryReceipt':
      oneOf(DELIVERY_STATUSES)(errors, 'status', command.status);
      isoInstant(errors, 'at', command.at);
      optional(nonEmptyString)(errors, 'reason', command.reason);
      break;
    default: {
      const unknown: never = command;
      unknownType(errors, 'notification', unknown);
    }
  }
  throwIfInvalid(command.type, errors);
};
