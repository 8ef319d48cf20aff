import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { readJsonBody } from '../../lib/http/json-body';
import { compileQueryValidator } from '../../lib/http/query-validation';
import { compileValidator } from '../../lib/validation';
import { createIdempotencyStore, requireIdempotencyKey } from '../shared/idempotency';
import { createSimulatorApp, type SimulatorOptions } from '../shared/simulator-app';
import {
  createReceiptWebhook,
  receiptFor,
  type ReceiptReport,
  type ReceiptWebhookOptions,
} from './receipt-webhook';

export const NOTIFICATION_SERVICE = 'notification-simulator';
export const NOTIFICATION_DEFAULT_PORT = 8093;
export const CHANNELS = ['email', 'sms', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface MessageRequest {
  to: string;
  subject?: string;
  body: string;
  /** Lets `GET /admin/messages?orderId=` find what an order's customer was told. */
  orderId?: string;
  /** The sender's id for the message (its notification id); the delivery receipt names it. */
  reference?: string;
}

export interface DeliveredMessage extends MessageRequest {
  messageId: string;
  channel: Channel;
  acceptedAt: string;
  /** Once the receipt webhook is on and the message has a reference. */
  receipt?: ReceiptReport;
}

export type ReceiptRate = 'bounceRate' | 'undeliverableRate';

export type NotificationSimulatorOptions = SimulatorOptions<ReceiptRate> & {
  now?: () => number;
  /** Reports each message's delivery to a webhook; off without it. */
  receipts?: Omit<ReceiptWebhookOptions, 'logger'>;
  /** Messages kept for `/admin/messages`; the oldest go first (default 10 000). */
  capacity?: number;
};

const messageBody = compileValidator<MessageRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['to', 'body'],
  properties: {
    to: { type: 'string', minLength: 1, maxLength: 320 },
    subject: { type: 'string', maxLength: 998 },
    body: { type: 'string', minLength: 1, maxLength: 100_000 },
    orderId: { type: 'string', minLength: 1, maxLength: 200 },
    reference: { type: 'string', minLength: 1, maxLength: 200 },
  },
});
const messagesQuery = compileQueryValidator<{ orderId?: string; channel?: Channel }>({
  type: 'object',
  properties: {
    orderId: { type: 'string', minLength: 1 },
    channel: { type: 'string', enum: [...CHANNELS] },
  },
});

/**
 * Email, SMS and push providers in one double: accept (202), remember, list at `/admin/messages`,
 * and, with `receipts`, report each referenced message's delivery (delivered, or bounced/failed by
 * the `bounceRate`/`undeliverableRate` knobs) to the webhook a while later.
 */
export function createNotificationSimulator(options: NotificationSimulatorOptions = {}): Koa {
  const now = options.now ?? Date.now;
  const capacity = options.capacity ?? 10_000;
  const delivered: DeliveredMessage[] = [];
  const idempotency = createIdempotencyStore();

  return createSimulatorApp({
    service: NOTIFICATION_SERVICE,
    businessRates: ['bounceRate', 'undeliverableRate'] as const,
    options,
    state: () => ({ messages: delivered.length }),
    routes: ({ outages, logger, knobs }) => {
      const router = new Router();
      const webhook = options.receipts && createReceiptWebhook({ ...options.receipts, logger });
      for (const channel of CHANNELS) {
        router.post(`/${channel}`, outages, async (ctx) => {
          const key = requireIdempotencyKey(ctx);
          const request = messageBody.validate(await readJsonBody(ctx));
          idempotency.respond(ctx, key, request, () => {
            const message: DeliveredMessage = {
              ...request,
              messageId: `msg_${randomUUID()}`,
              channel,
              acceptedAt: new Date(now()).toISOString(),
            };
            if (webhook && request.reference !== undefined) {
              const receipt = receiptFor(request.reference, knobs.get(), new Date(now()).toISOString());
              message.receipt = { status: receipt.status, webhook: 'pending', attempts: 0 };
              webhook.send(message.messageId, request.reference, receipt, message.receipt);
            }
            delivered.push(message);
            if (delivered.length > capacity) delivered.shift();
            logger.info(
              { channel, messageId: message.messageId, orderId: request.orderId },
              'message accepted',
            );
            return {
              status: 202,
              body: { messageId: message.messageId, channel, status: 'accepted' },
              final: true,
            };
          });
        });
      }
      router.get('/admin/messages', (ctx) => {
        const { orderId, channel } = messagesQuery.validate(ctx.query);
        ctx.body = {
          items: delivered.filter(
            (m) =>
              (orderId === undefined || m.orderId === orderId) &&
              (channel === undefined || m.channel === channel),
          ),
        };
      });
      return [router];
    },
  });
}
