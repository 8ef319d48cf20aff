import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { SetNotificationPreferences } from '../../domain/preferences/commands';
import { DEFAULT_PREFERENCES } from '../../domain/preferences/preferences';
import { ownOrdersOnly } from '../../lib/auth/principal';
import { ForbiddenError } from '../../lib/errors';
import { principalOf } from '../../lib/http/access-control';
import { readJsonBody } from '../../lib/http/json-body';
import { compileValidator } from '../../lib/validation';
import type { CommandBus } from './command-bus';
import { parseIfMatch, resolveExpectedVersion } from './expected-version';
import { executeCommand } from './execute-command';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey, type IdempotencyStore } from './idempotency';
import { preferencesResource } from './reply-mapping';
import { setPreferencesSchema, type SetPreferencesBody } from './request-schemas';
import { answerStatus, clientScopedKey, pathId } from './routes';

export const CUSTOMER_COMMANDS_BASE = '/api/commands/customers';

const setPreferencesValidator = compileValidator<SetPreferencesBody>(setPreferencesSchema);

export interface PreferencesRouterOptions {
  /** The bus of the preferences aggregate: `preferences.commands`, keyed by customer id. */
  bus: Pick<CommandBus, 'send' | 'replyFor'>;
  idempotency: IdempotencyStore;
  newId?: () => string;
  now?: () => Date;
}

/**
 * A customer's notification preferences (the preferences aggregate, one per customer). A
 * customer sets only their own (their token's subject); an admin may set anyone's. The route
 * keeps the command routes' conventions: If-Match, Idempotency-Key, 202 with a status URL.
 */
export function createPreferencesRouter({
  bus,
  idempotency,
  newId = randomUUID,
  now = () => new Date(),
}: PreferencesRouterOptions): Router {
  const router = new Router();

  router.post(`${CUSTOMER_COMMANDS_BASE}/:customerId/notification-preferences`, async (ctx) => {
    const customerId = pathId(ctx, 'customerId');
    const own = ownOrdersOnly(principalOf(ctx));
    if (own !== undefined && own !== customerId) {
      throw new ForbiddenError('a customer sets only their own notification preferences');
    }
    const idempotencyKey = clientScopedKey(
      principalOf(ctx),
      parseIdempotencyKey(ctx.get(IDEMPOTENCY_HEADER)),
    );
    const ifMatch = ctx.get('If-Match');
    const ifMatchVersion = parseIfMatch(ifMatch);
    const raw = await readJsonBody(ctx, { allowEmpty: false });
    const body = setPreferencesValidator.validate(raw);
    const expectedVersion = resolveExpectedVersion(body.expectedVersion, ifMatch);
    await executeCommand(
      ctx,
      { bus, idempotency, newId, now, resource: preferencesResource },
      { aggregateId: customerId, raw, idempotencyKey, ifMatchVersion, expectedVersion },
      (meta): SetNotificationPreferences => ({
        type: 'SetNotificationPreferences',
        customerId,
        channels: body.channels,
        ...(body.quietHours ? { quietHours: body.quietHours } : {}),
        locale: body.locale ?? DEFAULT_PREFERENCES.locale,
        meta,
      }),
    );
  });

  router.get(`${CUSTOMER_COMMANDS_BASE}/status/:commandId`, (ctx) =>
    answerStatus(ctx, bus, preferencesResource),
  );

  return router;
}
