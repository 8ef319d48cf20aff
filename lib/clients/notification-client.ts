import { keyedPost } from './keyed-post';
import type { CallOptions, ClientOptions } from './client-options';
import { createResilientHttpClient, type ResilientHttpClient } from './resilient-http';

export const NOTIFICATION_CHANNELS = ['email', 'sms', 'push'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export interface NotificationMessage {
  to: string;
  subject?: string;
  body: string;
  /** Lets the provider (and tests) list what one order's customer was told. */
  orderId?: string;
  /** Our id for the message (the notification id): the provider's delivery receipt names it. */
  reference?: string;
}

export interface NotificationResult {
  status: 'accepted';
  messageId: string;
  replayed: boolean;
}

export interface NotificationClient {
  send(
    channel: NotificationChannel,
    message: NotificationMessage,
    options: CallOptions,
  ): Promise<NotificationResult>;
  readonly http: ResilientHttpClient;
  close(): void;
}

export const NOTIFICATIONS = 'notifications';

/** Email, SMS and push providers; one breaker for all three, as they share one provider host. */
export function createNotificationClient(options: ClientOptions): NotificationClient {
  const service = options.service ?? NOTIFICATIONS;
  const http = createResilientHttpClient({ ...options, service });
  return {
    http,
    close: http.close,
    send: (channel, message, options) =>
      keyedPost<NotificationResult>(
        http,
        service,
        {
          operation: `send_${channel}`,
          path: `/${channel}`,
          body: message,
          success: (fields) => ({
            status: 'accepted',
            messageId: fields.string('messageId'),
            replayed: fields.replayed,
          }),
        },
        options,
      ),
  };
}
