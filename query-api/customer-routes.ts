import Router from '@koa/router';
import { DEFAULT_PREFERENCES } from '../domain/preferences/preferences';
import { ownOrdersOnly } from '../lib/auth/principal';
import { ForbiddenError } from '../lib/errors';
import { principalOf } from '../lib/http/access-control';
import { compileQueryValidator } from '../lib/http/query-validation';
import type { PreferencesView } from '../lib/read-models/views';
import { sendCachedView } from './cached-view';
import { emptyQuerySchema, pathParam } from './query-schemas';
import type { ViewCache } from './view-cache';
import type { ViewReader } from './view-reader';

export const CUSTOMERS_BASE = '/api/queries/customers';

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);

/** What a customer who never chose is notified by: version 0, the defaults of the domain. */
const defaultsFor = (customerId: string): PreferencesView => ({
  _id: customerId,
  customerId,
  channels: [...DEFAULT_PREFERENCES.channels],
  quietHours: null,
  locale: DEFAULT_PREFERENCES.locale,
  version: 0,
  updatedAt: '',
});

/** The defaults were never written, so they have no `updatedAt`. */
const preferencesBody = ({ _id, updatedAt, ...preferences }: PreferencesView) =>
  updatedAt === '' ? preferences : { ...preferences, updatedAt };

/**
 * A customer's own settings. A customer reads only theirs (403 for another's, as for the order
 * lists); staff read anyone's. Never chosen: the defaults, at version 0, so the ETag still works.
 */
export function createCustomerRouter({ reader, cache }: { reader: ViewReader; cache: ViewCache }): Router {
  const router = new Router();
  router.get(`${CUSTOMERS_BASE}/:customerId/notification-preferences`, async (ctx) => {
    const customerId = pathParam(ctx, 'customerId');
    noQuery.validate(ctx.query);
    const own = ownOrdersOnly(principalOf(ctx));
    if (own !== undefined && own !== customerId) {
      throw new ForbiddenError('a customer reads only their own notification preferences');
    }
    ctx.vary('Authorization');
    const lookup = await cache.get('preferences', customerId, () =>
      reader.byId<PreferencesView>('preferences', customerId),
    );
    sendCachedView(
      ctx,
      { ...lookup, doc: lookup.doc ?? defaultsFor(customerId) },
      { name: 'preferences', id: customerId, body: preferencesBody, notFound: '' },
    );
  });
  return router;
}
