import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { readJsonBody } from '../../lib/http/json-body';
import { compileQueryValidator } from '../../lib/http/query-validation';
import { compileValidator } from '../../lib/validation';
import { deterministicDraw } from '../shared/failure-knobs';
import { createIdempotencyStore, requireIdempotencyKey } from '../shared/idempotency';
import { problemBody, type SimulatorResponse } from '../shared/problem-response';
import { createSimulatorApp, type SimulatorOptions } from '../shared/simulator-app';
import { createLedger } from './ledger';

export const PAYMENT_GATEWAY_SERVICE = 'payment-gateway-simulator';
export const PAYMENT_GATEWAY_DEFAULT_PORT = 8091;

export interface AuthorizeRequest {
  orderId: string;
  amount: number;
  currency: string;
}
export interface CaptureRequest extends AuthorizeRequest {
  authorizationId?: string;
}
export interface RefundRequest {
  orderId: string;
  amount: number;
  captureId?: string;
  currency?: string;
}

/** Reverses an order's payment whatever became of its captures, and closes the order to new ones. */
export interface CancelRequest {
  orderId: string;
}

export type PaymentGatewaySimulatorOptions = SimulatorOptions<'declineRate'> & {
  now?: () => number;
};

const orderId = { type: 'string', minLength: 1, maxLength: 200 } as const;
// Integer minor units, as domain/order/money.ts carries money.
const amount = { type: 'integer', minimum: 0, maximum: 1_000_000_000_000 } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;

const authorizeBody = compileValidator<AuthorizeRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'amount', 'currency'],
  properties: { orderId, amount, currency },
});
const captureBody = compileValidator<CaptureRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'amount', 'currency'],
  properties: { orderId, amount, currency, authorizationId: { type: 'string', minLength: 1 } },
});
const refundBody = compileValidator<RefundRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'amount'],
  properties: { orderId, amount, currency, captureId: { type: 'string', minLength: 1 } },
});
const cancelBody = compileValidator<CancelRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['orderId'],
  properties: { orderId },
});
const ledgerQuery = compileQueryValidator<{ orderId?: string }>({
  type: 'object',
  properties: { orderId },
});

const DECLINE_REASONS = ['insufficient_funds', 'card_declined', 'do_not_honor'] as const;

const rejected = (status: number, code: string, detail: string): SimulatorResponse => ({
  status,
  body: problemBody(status, code, detail),
  final: false,
});

/**
 * Payment gateway double: authorize, capture, refund, each under an Idempotency-Key, with a
 * ledger of captured and refunded money per order at `GET /admin/ledger`. Declines are
 * deterministic per order (`hash(orderId) < declineRate`), so a retry gets the same decision.
 */
export function createPaymentGatewaySimulator(options: PaymentGatewaySimulatorOptions = {}): Koa {
  const now = options.now ?? Date.now;
  const ledger = createLedger();
  const idempotency = createIdempotencyStore();
  const authorizations = new Map<string, AuthorizeRequest & { captured: boolean }>();

  return createSimulatorApp({
    service: PAYMENT_GATEWAY_SERVICE,
    businessRates: ['declineRate'] as const,
    options,
    state: () => ({ ledger: ledger.totals(), idempotencyKeys: idempotency.size }),
    routes: ({ knobs, outages, logger }) => {
      const declined = (order: string): SimulatorResponse | undefined => {
        const draw = deterministicDraw(order);
        if (draw >= knobs.get().declineRate) return undefined;
        const reason =
          DECLINE_REASONS[Math.floor(deterministicDraw(`${order}:reason`) * 3)] ?? 'card_declined';
        logger.info({ orderId: order, reason }, 'payment declined');
        return {
          status: 402,
          body: problemBody(402, 'PAYMENT_DECLINED', `payment for ${order} declined: ${reason}`, {
            outcome: 'declined',
            reason,
          }),
          final: true,
        };
      };

      const authorize = (request: AuthorizeRequest): SimulatorResponse => {
        const decline = declined(request.orderId);
        if (decline) return decline;
        const authorizationId = `auth_${randomUUID()}`;
        authorizations.set(authorizationId, { ...request, captured: false });
        return { status: 201, body: { authorizationId, status: 'authorized', ...request }, final: true };
      };

      const capture = (request: CaptureRequest): SimulatorResponse => {
        const { orderId: order, amount: value, currency: money, authorizationId } = request;
        if (closed.has(order)) {
          return rejected(409, 'ORDER_CLOSED', `the payment of ${order} was cancelled; it takes no capture`);
        }
        if (authorizationId !== undefined) {
          const held = authorizations.get(authorizationId);
          if (!held || held.orderId !== order) {
            return rejected(
              404,
              'AUTHORIZATION_NOT_FOUND',
              `no authorization ${authorizationId} for ${order}`,
            );
          }
          if (held.captured) {
            return rejected(
              409,
              'AUTHORIZATION_CAPTURED',
              `authorization ${authorizationId} is already captured`,
            );
          }
          if (held.currency !== money || value > held.amount) {
            return rejected(409, 'EXCEEDS_AUTHORIZATION', `capture exceeds authorization ${authorizationId}`);
          }
          held.captured = true;
        } else {
          // Funds already held by an authorization are not declined again; a direct charge may be.
          const decline = declined(order);
          if (decline) return decline;
        }
        const charged = ledger.currencyOf(order);
        if (charged !== undefined && charged !== money) {
          return rejected(409, 'CURRENCY_MISMATCH', `${order} is charged in ${charged}, not ${money}`);
        }
        const captureId = `cap_${randomUUID()}`;
        ledger.recordCapture(order, money, { captureId, amount: value, at: new Date(now()).toISOString() });
        logger.info({ orderId: order, captureId, amount: value }, 'payment captured');
        return {
          status: 201,
          body: { captureId, status: 'captured', orderId: order, amount: value, currency: money },
          final: true,
        };
      };

      const refund = (
        { orderId: order, amount: value, captureId, currency: money }: RefundRequest,
        idempotencyKey: string,
      ) => {
        const check = ledger.checkRefund(order, value, captureId);
        if (!check.ok) {
          return check.reason === 'unknown-capture'
            ? rejected(404, 'CAPTURE_NOT_FOUND', check.detail)
            : rejected(409, 'REFUND_EXCEEDS_CAPTURED', check.detail);
        }
        if (money !== undefined && money !== check.currency) {
          return rejected(
            409,
            'CURRENCY_MISMATCH',
            `${order} was charged in ${check.currency}, not ${money}`,
          );
        }
        const refundId = `re_${randomUUID()}`;
        const at = new Date(now()).toISOString();
        ledger.recordRefund(order, {
          refundId,
          amount: value,
          at,
          idempotencyKey,
          ...(captureId ? { captureId } : {}),
        });
        logger.info({ orderId: order, refundId, amount: value }, 'payment refunded');
        const body = {
          refundId,
          status: 'refunded',
          orderId: order,
          amount: value,
          currency: check.currency,
        };
        return { status: 201, body: captureId ? { ...body, captureId } : body, final: true };
      };

      /**
       * A capture whose answer never came back may still land: a request held by a dead host is
       * served when it wakes. Cancelling reverses whatever the order was charged and refuses any
       * capture after it, so the order settles in whichever order the two arrive.
       */
      const closed = new Set<string>();
      const cancel = ({ orderId: order }: CancelRequest, idempotencyKey: string): SimulatorResponse => {
        closed.add(order);
        const left = ledger.order(order)?.net ?? 0;
        const refundId = `re_${randomUUID()}`;
        if (left > 0) {
          ledger.recordRefund(order, {
            refundId,
            amount: left,
            at: new Date(now()).toISOString(),
            idempotencyKey,
          });
        }
        logger.info({ orderId: order, refundId, refunded: left }, 'payment cancelled');
        return {
          status: 201,
          body: { refundId, status: 'cancelled', orderId: order, amount: left },
          final: true,
        };
      };

      const payments = new Router();
      payments.post('/payments/cancel', outages, async (ctx) => {
        const key = requireIdempotencyKey(ctx);
        const request = cancelBody.validate(await readJsonBody(ctx));
        idempotency.respond(ctx, key, request, () => cancel(request, key));
      });
      payments.post('/payments/authorize', outages, async (ctx) => {
        const key = requireIdempotencyKey(ctx);
        const request = authorizeBody.validate(await readJsonBody(ctx));
        idempotency.respond(ctx, key, request, () => authorize(request));
      });
      payments.post('/payments/capture', outages, async (ctx) => {
        const key = requireIdempotencyKey(ctx);
        const request = captureBody.validate(await readJsonBody(ctx));
        idempotency.respond(ctx, key, request, () => capture(request));
      });
      payments.post('/payments/refund', outages, async (ctx) => {
        const key = requireIdempotencyKey(ctx);
        const request = refundBody.validate(await readJsonBody(ctx));
        idempotency.respond(ctx, key, request, () => refund(request, key));
      });

      const admin = new Router();
      admin.get('/admin/ledger', (ctx) => {
        const { orderId: only } = ledgerQuery.validate(ctx.query);
        const orders =
          only === undefined ? ledger.orders() : [ledger.order(only)].filter((o) => o !== undefined);
        ctx.body = { totals: ledger.totals(), orders };
      });
      return [payments, admin];
    },
  });
}
