import type { NotificationCommand } from './commands';
import type { NotificationState } from './state';

/** Whether the runtime must call the provider before `decide`: to send, until the notification is sent. */
export const effectNeeded = (command: NotificationCommand, state: NotificationState): boolean =>
  command.type === 'SendNotification' && state.status !== 'Sent';

/** Per notification and try: a redelivered command repeats its call, a retry after a failure is a new one. */
export const providerIdempotencyKey = (command: NotificationCommand, state: NotificationState): string =>
  `notification:${command.notificationId}:${state.status === 'Failed' ? state.failures + 1 : 1}`;
