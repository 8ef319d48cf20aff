import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { RecordDeliveryReceipt } from '../../domain/notification/commands';
import { principalOf } from '../../lib/http/access-control';
import { readJsonBody } from '../../lib/http/json-body';
import { compileValidator } from '../../lib/validation';
import type { CommandBus } from './command-bus';
import { executeCommand } from './execute-command';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey, type IdempotencyStore } from './idempotency';
import type { ResourceKind } from './reply-mapping';
import { receiptSchema, type ReceiptBody } from './request-schemas';
import { answerStatus, clientScopedKey, pathId } from './routes';

export const NOTIFICATION_COMMANDS_BASE = '/api/commands/notifications';

const receiptValidator = compileValidator<ReceiptBody>(receiptSchema);

export const notificationResource: ResourceKind = {
  idField: 'notificationId',
  url: (id) => `/api/queries/notifications?orderId=${encodeURIComponent(id.split(':')[0] ?? id)}`,
  statusUrl: (commandId) => `${NOTIFICATION_COMMANDS_BASE}/status/${encodeURIComponent(commandId)}`,
};

/**
 * Delivery receipts: a provider's webhook (with a service token) reports what became of a sent
 * message, and the notification aggregate records it as NotificationDeliveryReported, shown on
 * the order's notifications. A repeated receipt changes nothing.
 */
export function createReceiptRouter({
  bus,
  idempotency,
  newId = randomUUID,
  now = () => new Date(),
}: {
  bus: Pick<CommandBus, 'send' | 'replyFor'>;
  idempotency: IdempotencyStore;
  newId?: () => string;
  now?: () => Date;
}): Router {
  const router = new Router();

  router.post(`${NOTIFICATION_COMMANDS_BASE}/:notificationId/receipt`, async (ctx) => {
    const notificationId = pathId(ctx, 'notificationId');
    const idempotencyKey = clientScopedKey(
      principalOf(ctx),
      parseIdempotencyKey(ctx.get(IDEMPOTENCY_HEADER)),
    );
    const raw = await readJsonBody(ctx, { allowEmpty: false });
    const { status, at, reason } = receiptValidator.validate(raw);
    await executeCommand(
      ctx,
      { bus, idempotency, newId, now, resource: notificationResource },
      { aggregateId: notificationId, raw, idempotencyKey },
      (meta): RecordDeliveryReceipt => ({
        type: 'RecordDeliveryReceipt',
        notificationId,
        status,
        at,
        ...(reason !== undefined ? { reason } : {}),
        meta,
      }),
    );
  });

  router.get(`${NOTIFICATION_COMMANDS_BASE}/status/:commandId`, (ctx) =>
    answerStatus(ctx, bus, notificationResource),
  );

  return router;
}
