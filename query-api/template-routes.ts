import Router from '@koa/router';
import {
  NOTIFICATION_CHANNELS,
  TEMPLATES,
  isTemplateId,
  renderTemplate,
  type NotificationChannel,
} from '../domain/notification/templates';
import { NotFoundError } from '../lib/errors';
import { readJsonBody } from '../lib/http/json-body';
import { compileQueryValidator } from '../lib/http/query-validation';
import { compileValidator } from '../lib/validation';
import { emptyQuerySchema, pathParam } from './query-schemas';

export const TEMPLATES_BASE = '/api/admin/notifications/templates';

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);

export interface PreviewBody {
  params?: Record<string, string>;
  channel?: NotificationChannel;
  locale?: string;
}

export const previewRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    params: {
      type: 'object',
      maxProperties: 20,
      additionalProperties: { type: 'string', maxLength: 500 },
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9]{0,63}$' },
      description: "The template's params; a missing one is named in a 400.",
    },
    channel: { type: 'string', enum: [...NOTIFICATION_CHANNELS] },
    locale: { type: 'string', pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 },
  },
} as const;
const previewRequest = compileValidator<PreviewBody>(previewRequestSchema);

/**
 * The notification templates as the providers will get them (admin routes, like replay): every
 * template with its texts and versions, and a preview that renders one for a channel and locale
 * with the same renderer and the same fallbacks as a real send.
 */
export function createTemplateRouter(): Router {
  const router = new Router();

  router.get(TEMPLATES_BASE, (ctx) => {
    noQuery.validate(ctx.query);
    ctx.body = {
      items: Object.entries(TEMPLATES).map(([templateId, t]) => ({ templateId, ...t })),
    };
  });

  router.post(`${TEMPLATES_BASE}/:templateId/preview`, async (ctx) => {
    const templateId = pathParam(ctx, 'templateId');
    noQuery.validate(ctx.query);
    const body = previewRequest.validate(await readJsonBody(ctx, { allowEmpty: true }));
    if (!isTemplateId(templateId)) throw new NotFoundError(`no template ${templateId}`);
    const { channel, locale } = body;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      templateId,
      ...renderTemplate(templateId, body.params ?? {}, {
        ...(channel ? { channel } : {}),
        ...(locale ? { locale } : {}),
      }),
    };
  });

  return router;
}
