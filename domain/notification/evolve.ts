import { InvalidStateError } from '../../lib/errors';
import type { NotificationEvent } from './events';
import type { NotificationState } from './state';

export const evolveNotification = (state: NotificationState, event: NotificationEvent): NotificationState => {
  if (event.type === 'NotificationDeliveryReported') {
    if (state.status !== 'Sent')
      throw new InvalidStateError(`corrupt history: ${event.type} before NotificationSent`);
    const { status, at, reason } = event.data;
    return { ...state, delivery: { status, at, ...(reason !== undefined ? { reason } : {}) } };
  }
  if (state.status === 'Sent')
    throw new InvalidStateError(`corrupt history: ${event.type} after NotificationSent`);
  switch (event.type) {
    case 'NotificationSent':
      return { status: 'Sent', providerRef: event.data.providerRef, attempts: event.data.attempts };
    case 'NotificationFailed':
      return {
        status: 'Failed',
        reason: event.data.reason,
        attempts: event.data.attempts,
        failures: (state.status === 'Failed' ? state.failures : 0) + 1,
      };
    default: {
      const unhandled: never = event;
      throw new InvalidStateError(
        `unknown notification event ${JSON.stringify((unhandled as { type?: unknown }).type)}`,
      );
    }
  }
};
