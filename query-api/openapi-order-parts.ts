import { NOTIFICATION_CHANNELS } from '../domain/notification/templates';
import { idSchema } from '../domain/ids';
import { previewRequestSchema } from './template-routes';
import {
  emptyQuerySchema,
  NOTIFICATION_STATUSES,
  notificationsQuerySchema,
  PAYMENT_STATUSES,
  paymentsQuerySchema,
  SHIPMENT_STATUSES,
  shipmentsQuerySchema,
} from './query-schemas';
import {
  jsonResponse,
  pathParameter,
  problemResponse,
  queryParameters,
  type JsonSchema,
  type OpenApiBuilder,
  type Response,
} from '../lib/http/openapi/builder';

/** What openapi-document.ts shares with the operations documented here. */
export interface QueryDocumentParts {
  s(type: string, extra?: object): JsonSchema;
  pageOf(item: JsonSchema): JsonSchema;
  cachedHeaders: Response['headers'];
  notModified: Response;
  invalid: Response;
  unavailable: Response;
}

/** The notification templates and their preview (query-api/template-routes.ts), admin only. */
export function documentTemplateRoutes(b: OpenApiBuilder, { s, invalid }: QueryDocumentParts): void {
  const text = {
    type: 'object',
    required: ['locale', 'version', 'subject', 'body'],
    properties: {
      locale: s('string'),
      channel: s('string', { enum: [...NOTIFICATION_CHANNELS] }),
      version: s('integer'),
      subject: s('string'),
      body: s('string', { description: '{name} is replaced by the param name' }),
    },
  };
  b.operation('get', '/api/admin/notifications/templates', {
    operationId: 'listNotificationTemplates',
    summary: 'Every notification template with its texts by locale, channel and version',
    tags: ['admin'],
    parameters: queryParameters(emptyQuerySchema),
    responses: {
      '200': jsonResponse(
        'The templates',
        b.schema('NotificationTemplates', {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['templateId', 'trigger', 'params', 'texts'],
                properties: {
                  templateId: s('string'),
                  trigger: s('string'),
                  params: { type: 'array', items: s('string') },
                  values: {
                    type: 'object',
                    description:
                      'Params whose value is a code, worded per locale: `values.<param>.<locale>.<code>` (e.g. the cancellation reason)',
                    additionalProperties: {
                      type: 'object',
                      additionalProperties: { type: 'object', additionalProperties: s('string') },
                    },
                  },
                  texts: { type: 'array', items: text },
                },
              },
            },
          },
        }),
      ),
      '400': invalid,
    },
  });
  b.operation('post', '/api/admin/notifications/templates/{templateId}/preview', {
    operationId: 'previewNotificationTemplate',
    summary: 'Render a template for a channel and locale, with the fallbacks a real send uses',
    tags: ['admin'],
    parameters: [pathParameter('templateId', idSchema), ...queryParameters(emptyQuerySchema)],
    requestBody: { required: false, content: { 'application/json': { schema: previewRequestSchema } } },
    responses: {
      '200': jsonResponse(
        'The rendered text and which text it was',
        b.schema('TemplatePreview', {
          type: 'object',
          required: ['templateId', 'subject', 'body', 'version', 'locale'],
          properties: { templateId: s('string'), ...text.properties },
        }),
      ),
      '400': problemResponse('Invalid body, or a param the template needs is missing (named in `errors`)'),
      '404': problemResponse('No such template'),
      '413': problemResponse('Body too large'),
      '415': problemResponse('Body is not application/json'),
    },
  });
}

/** A customer's notification preferences (query-api/customer-routes.ts). */
export function documentCustomerRoutes(
  b: OpenApiBuilder,
  { s, cachedHeaders, notModified, invalid, unavailable }: QueryDocumentParts,
): void {
  const preferences = b.schema('NotificationPreferences', {
    type: 'object',
    required: ['customerId', 'channels', 'quietHours', 'locale', 'version'],
    properties: {
      customerId: s('string'),
      channels: { type: 'array', items: s('string', { enum: [...NOTIFICATION_CHANNELS] }) },
      quietHours: {
        type: ['object', 'null'],
        properties: { start: s('string'), end: s('string'), timeZone: s('string') },
      },
      locale: s('string'),
      version: s('integer', { description: '0 while the defaults apply' }),
      updatedAt: s('string'),
    },
  });
  b.operation('get', '/api/queries/customers/{customerId}/notification-preferences', {
    operationId: 'getNotificationPreferences',
    summary: "A customer's notification channels, quiet hours and locale (the defaults until chosen)",
    description: 'A customer reads only their own (403 otherwise).',
    tags: ['customers'],
    parameters: [
      pathParameter('customerId', idSchema),
      ...queryParameters(emptyQuerySchema),
      { name: 'If-None-Match', in: 'header', schema: s('string') },
    ],
    responses: {
      '200': jsonResponse('The preferences in force', preferences, cachedHeaders),
      '304': notModified,
      '400': invalid,
      '503': unavailable,
    },
  });
}

/** Payments, shipments and notifications of orders (query-api/order-part-routes.ts). */
export function documentOrderPartRoutes(
  b: OpenApiBuilder,
  { s, pageOf, cachedHeaders, notModified, invalid, unavailable }: QueryDocumentParts,
): void {
  const noQuery = queryParameters(emptyQuerySchema);
  const ifNoneMatch = { name: 'If-None-Match', in: 'header' as const, schema: s('string') };
  const stamped = { version: s('integer'), updatedAt: s('string') };

  const payment = b.schema('PaymentView', {
    type: 'object',
    required: ['orderId', 'status', 'amount', 'refunded', 'currency', 'version', 'updatedAt'],
    properties: {
      orderId: s('string'),
      status: s('string', { enum: [...PAYMENT_STATUSES] }),
      amount: s('integer', { description: 'Captured, minor units' }),
      refunded: s('integer', { description: 'Minor units' }),
      currency: s('string'),
      gatewayRef: s('string'),
      reason: s('string'),
      ...stamped,
    },
  });
  const shipment = b.schema('ShipmentView', {
    type: 'object',
    required: ['orderId', 'status', 'history', 'version', 'updatedAt'],
    properties: {
      orderId: s('string'),
      status: s('string', { enum: [...SHIPMENT_STATUSES] }),
      shipmentId: s('string'),
      carrier: s('string'),
      trackingNumber: s('string'),
      labelUrl: s('string'),
      history: {
        type: 'array',
        items: {
          type: 'object',
          required: ['status', 'at'],
          properties: { status: s('string'), at: s('string') },
        },
      },
      reason: s('string'),
      ...stamped,
    },
  });
  const notification = b.schema('NotificationView', {
    type: 'object',
    required: [
      'notificationId',
      'orderId',
      'customerId',
      'channel',
      'template',
      'status',
      'attempts',
      'version',
      'updatedAt',
    ],
    properties: {
      notificationId: s('string', { description: '`<orderId>:<template>:<channel>`' }),
      orderId: s('string'),
      customerId: s('string'),
      channel: s('string', { enum: [...NOTIFICATION_CHANNELS] }),
      template: s('string'),
      status: s('string', { enum: [...NOTIFICATION_STATUSES] }),
      attempts: s('integer'),
      providerRef: s('string'),
      reason: s('string'),
      ...stamped,
    },
  });

  const perOrder = (path: string, operationId: string, what: string, schema: JsonSchema) =>
    b.operation('get', path, {
      operationId,
      summary: `The ${what} of one order`,
      description: `A customer sees only the ${what} of their own orders; any other is a 404.`,
      tags: ['orders'],
      parameters: [pathParameter('orderId', idSchema), ...noQuery, ifNoneMatch],
      responses: {
        '200': jsonResponse(`The ${what}`, schema, cachedHeaders),
        '304': notModified,
        '400': invalid,
        '404': problemResponse(`No ${what} for this order (yet), or not the caller's order`),
        '503': unavailable,
      },
    });
  const list = (path: string, operationId: string, summary: string, query: object, page: JsonSchema) =>
    b.operation('get', path, {
      operationId,
      summary,
      description: 'A customer lists only their own: customerId defaults to, and must be, their own id.',
      tags: ['orders'],
      parameters: queryParameters(query as Parameters<typeof queryParameters>[0]),
      responses: {
        '200': jsonResponse('A page, newest change first', page),
        '400': invalid,
        '503': problemResponse('MongoDB is down'),
      },
    });

  perOrder('/api/queries/payments/{orderId}', 'getPayment', 'payment', payment);
  perOrder('/api/queries/shipments/{orderId}', 'getShipment', 'shipment', shipment);
  list(
    '/api/queries/payments',
    'listPayments',
    "Payments, of one customer's orders and/or in one status",
    paymentsQuerySchema,
    b.schema('PaymentPage', pageOf(payment)),
  );
  list(
    '/api/queries/shipments',
    'listShipments',
    "Shipments, of one customer's orders and/or in one status",
    shipmentsQuerySchema,
    b.schema('ShipmentPage', pageOf(shipment)),
  );
  list(
    '/api/queries/notifications',
    'listNotifications',
    'Notifications, of one order and/or one customer, by channel and status',
    notificationsQuerySchema,
    b.schema('NotificationPage', pageOf(notification)),
  );
}
