import { idSchema, requestSchemas } from './request-schemas';
import {
  createOpenApiBuilder,
  jsonResponse,
  pathParameter,
  problemResponse,
  type JsonSchema,
  type OpenApiDocument,
  type Parameter,
  type Response,
} from '../../lib/http/openapi/builder';
import { documentOperationalRoutes } from '../../lib/http/openapi/operational';
import { upcastRequestSchema } from './migration-routes';

const s = (type: string, extra: object = {}): JsonSchema => ({ type, ...extra });

/** The order commands addressed to an existing order: `/api/commands/orders/{id}/<action>`. */
const ORDER_ACTIONS = ['add-item', 'remove-item', 'place', 'cancel'] as const;
const ACTION_SUMMARY: Record<(typeof ORDER_ACTIONS)[number], string> = {
  'add-item': 'Add a line (priced from the catalogue)',
  'remove-item': 'Remove a line',
  place: 'Place the order (starts the saga)',
  cancel: 'Cancel the order',
};
const camel = (text: string) => text.replace(/[-/](\w)/g, (_, c: string) => c.toUpperCase());

/**
 * The command API (DESIGN §7). Request bodies are the JSON Schemas request-schemas.ts exports, the
 * objects the validators are compiled from, so the document cannot describe a body the API refuses.
 */
export function commandApiDocument(version = '1.0.0'): OpenApiDocument {
  const b = createOpenApiBuilder(
    {
      title: 'orderstream command API',
      version,
      description:
        'Write side: every request becomes a command on Kafka; the answer is the processor reply ' +
        '(201/200 with the new version), or 202 with a status URL when the reply takes longer than the timeout.',
    },
    [
      { name: 'orders' },
      { name: 'inventory' },
      { name: 'customers', description: "A customer's own settings" },
      { name: 'notifications', description: "Providers' delivery receipts" },
      { name: 'admin', description: 'Operators only' },
      { name: 'operations' },
    ],
  );
  for (const [name, schema] of Object.entries(requestSchemas)) b.schema(`${camel(`-${name}`)}Body`, schema);
  const bodyOf = (name: keyof typeof requestSchemas) => ({
    required: true,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${camel(`-${name}`)}Body` } } },
  });

  const orderReply = b.schema('OrderCommandReply', {
    type: 'object',
    required: ['orderId', 'version'],
    properties: { orderId: s('string'), version: s('integer') },
  });
  const productReply = b.schema('ProductCommandReply', {
    type: 'object',
    required: ['sku', 'version'],
    properties: { sku: s('string'), version: s('integer') },
  });
  const pending = b.schema('CommandPending', {
    type: 'object',
    required: ['commandId', 'status', 'statusUrl'],
    properties: {
      orderId: s('string'),
      sku: s('string'),
      commandId: s('string'),
      status: s('string', { enum: ['pending'] }),
      statusUrl: s('string'),
    },
  });

  const headers: Parameter[] = [
    {
      name: 'Idempotency-Key',
      in: 'header',
      // What parseIdempotencyKey accepts: 1 to 128 visible ASCII characters, bare or quoted.
      schema: s('string', { pattern: '^(|[\\x21-\\x7E]{1,128}|"[\\x21-\\x7E]{1,128}")$' }),
      description: 'Retries with the same key return the first outcome',
    },
  ];
  const ifMatch: Parameter = {
    name: 'If-Match',
    in: 'header',
    // What parseIfMatch accepts: one version tag, weak or strong, quoted or bare, or `*`.
    schema: s('string', { pattern: '^(|\\*|(W/)?("[0-9]{1,15}"|[0-9]{1,15}))$' }),
    description: 'Expected version as `"3"`',
  };
  const accepted = (resource: JsonSchema, status: '200' | '201'): Record<string, Response> => ({
    [status]: jsonResponse(status === '201' ? 'Created' : 'Applied', resource, {
      ETag: { schema: s('string') },
    }),
    '202': jsonResponse('Reply not received in time; poll statusUrl', pending, {
      Location: { schema: s('string') },
      'Retry-After': { schema: s('string') },
    }),
  });
  const failures = (...statuses: string[]): Record<string, Response> => {
    const all: Record<string, Response> = {
      '400': problemResponse('Invalid input; `errors` names each field'),
      '404': problemResponse('Unknown aggregate'),
      '409': problemResponse(
        'Version conflict or a command the current state forbids; carries currentVersion',
      ),
      '413': problemResponse('Body too large'),
      '415': problemResponse('Body is not application/json'),
      '422': problemResponse('Idempotency-Key reused for a different request'),
      '503': problemResponse('Kafka or Redis unavailable'),
    };
    return Object.fromEntries(statuses.map((status) => [status, all[status] as Response]));
  };

  b.operation('post', '/api/commands/orders/create', {
    operationId: 'createOrder',
    summary: 'Create an order (items may be empty)',
    tags: ['orders'],
    parameters: headers,
    requestBody: bodyOf('create'),
    responses: { ...accepted(orderReply, '201'), ...failures('400', '409', '413', '415', '422', '503') },
  });
  for (const action of ORDER_ACTIONS) {
    b.operation('post', `/api/commands/orders/{id}/${action}`, {
      operationId: `${camel(action)}Order`,
      summary: ACTION_SUMMARY[action],
      tags: ['orders'],
      parameters: [pathParameter('id', idSchema, 'The order id'), ...headers, ifMatch],
      requestBody: { ...bodyOf(action), required: action !== 'place' && action !== 'cancel' },
      responses: {
        ...accepted(orderReply, '200'),
        ...failures('400', '404', '409', '413', '415', '422', '503'),
      },
    });
  }
  b.operation('get', '/api/commands/status/{commandId}', {
    operationId: 'orderCommandStatus',
    summary: 'Outcome of an order command that answered 202',
    tags: ['orders'],
    parameters: [pathParameter('commandId', idSchema)],
    responses: {
      '200': jsonResponse('The command was applied', orderReply),
      '202': jsonResponse('Not known yet', pending),
      ...failures('400', '404', '409'),
    },
  });
  b.operation('post', '/api/commands/inventory/products', {
    operationId: 'registerProduct',
    summary: 'Register a product with its initial stock',
    tags: ['inventory'],
    parameters: headers,
    requestBody: bodyOf('inventory/products'),
    responses: { ...accepted(productReply, '201'), ...failures('400', '409', '413', '415', '422', '503') },
  });
  const productChanges = [
    ['replenish', 'replenishStock', 'Add stock to a product'],
    ['price', 'changeProductPrice', 'Change the price new order lines take; existing lines keep theirs'],
    ['rename', 'renameProduct', 'Change the name of a product'],
    ['retire', 'retireProduct', 'Stop selling a product; orders already holding it are fulfilled'],
  ] as const;
  for (const [action, operationId, summary] of productChanges) {
    b.operation('post', `/api/commands/inventory/{sku}/${action}`, {
      operationId,
      summary,
      tags: ['inventory'],
      parameters: [pathParameter('sku', idSchema), ...headers, ifMatch],
      requestBody: { ...bodyOf(`inventory/${action}`), required: action !== 'retire' },
      responses: {
        ...accepted(productReply, '200'),
        ...failures('400', '404', '409', '413', '415', '422', '503'),
      },
    });
  }
  b.operation('get', '/api/commands/inventory/status/{commandId}', {
    operationId: 'inventoryCommandStatus',
    summary: 'Outcome of an inventory command that answered 202',
    tags: ['inventory'],
    parameters: [pathParameter('commandId', idSchema)],
    responses: {
      '200': jsonResponse('The command was applied', productReply),
      '202': jsonResponse('Not known yet', pending),
      ...failures('400', '404', '409'),
    },
  });
  const preferencesReply = b.schema('PreferencesCommandReply', {
    type: 'object',
    required: ['customerId', 'version'],
    properties: { customerId: s('string'), version: s('integer') },
  });
  b.operation('post', '/api/commands/customers/{customerId}/notification-preferences', {
    operationId: 'setNotificationPreferences',
    summary: "Set a customer's notification channels, quiet hours and locale (the whole set)",
    description: 'A customer sets only their own (403 otherwise); the same set again changes nothing.',
    tags: ['customers'],
    parameters: [pathParameter('customerId', idSchema), ...headers, ifMatch],
    requestBody: bodyOf('customers/notification-preferences'),
    responses: {
      ...accepted(preferencesReply, '200'),
      ...failures('400', '409', '413', '415', '422', '503'),
    },
  });
  b.operation('get', '/api/commands/customers/status/{commandId}', {
    operationId: 'customerCommandStatus',
    summary: 'Outcome of a customer command that answered 202',
    tags: ['customers'],
    parameters: [pathParameter('commandId', idSchema)],
    responses: {
      '200': jsonResponse('The command was applied', preferencesReply),
      '202': jsonResponse('Not known yet', pending),
      ...failures('400', '404', '409'),
    },
  });
  const receiptReply = b.schema('NotificationCommandReply', {
    type: 'object',
    required: ['notificationId', 'version'],
    properties: { notificationId: s('string'), version: s('integer') },
  });
  b.operation('post', '/api/commands/notifications/{notificationId}/receipt', {
    operationId: 'recordDeliveryReceipt',
    summary: "Record a provider's delivery receipt (delivered, bounced, failed) for a sent notification",
    tags: ['notifications'],
    parameters: [pathParameter('notificationId', idSchema), ...headers],
    requestBody: bodyOf('notifications/receipt'),
    responses: {
      ...accepted(receiptReply, '200'),
      ...failures('400', '409', '413', '415', '422', '503'),
    },
  });
  b.operation('get', '/api/commands/notifications/status/{commandId}', {
    operationId: 'notificationCommandStatus',
    summary: 'Outcome of a receipt that answered 202',
    tags: ['notifications'],
    parameters: [pathParameter('commandId', idSchema)],
    responses: {
      '200': jsonResponse('The command was applied', receiptReply),
      '202': jsonResponse('Not known yet', pending),
      ...failures('400', '404', '409'),
    },
  });
  b.operation('post', '/api/admin/snapshots/create/{aggregateId}', {
    operationId: 'createSnapshot',
    summary: 'Snapshot an order aggregate now',
    tags: ['admin'],
    parameters: [pathParameter('aggregateId', idSchema)],
    responses: {
      '200': jsonResponse(
        'Snapshot taken',
        b.schema('SnapshotCreated', {
          type: 'object',
          required: ['aggregateId', 'version', 'commandId', 'snapshot'],
          properties: {
            aggregateId: s('string'),
            version: s('integer'),
            commandId: s('string'),
            snapshot: s('string'),
          },
        }),
      ),
      '202': jsonResponse('Reply not received in time', pending),
      ...failures('400', '404', '409', '503'),
    },
  });
  b.operation('get', '/api/admin/events/{aggregateId}', {
    operationId: 'readAggregateEvents',
    summary: "An aggregate's events, decoded",
    tags: ['admin'],
    parameters: [pathParameter('aggregateId', idSchema)],
    responses: {
      '200': jsonResponse(
        'The events',
        b.schema('AggregateEvents', {
          type: 'object',
          required: ['aggregateId', 'count', 'events'],
          properties: {
            aggregateId: s('string'),
            count: s('integer'),
            events: { type: 'array', items: s('object') },
          },
        }),
      ),
      ...failures('400', '404', '503'),
      '501': problemResponse('No event reader in this deployment'),
    },
  });
  b.schema('UpcastEventsBody', upcastRequestSchema);
  const migrationJob = b.schema('MigrationJob', {
    type: 'object',
    required: [
      'jobId',
      'aggregateType',
      'sourceTopic',
      'targetTopic',
      'state',
      'pass',
      'copied',
      'total',
      'undecodable',
      'startedAt',
      'updatedAt',
    ],
    properties: {
      jobId: s('string'),
      aggregateType: s('string'),
      sourceTopic: s('string', { description: 'Only read' }),
      targetTopic: s('string'),
      state: s('string', { enum: ['running', 'finished', 'failed', 'interrupted'] }),
      pass: s('integer', { description: '1 for the copy, then one per catch-up POST' }),
      copied: s('integer', { description: 'Records written by this pass' }),
      total: s('integer', { description: 'Records this pass copies' }),
      undecodable: s('integer', { description: 'Copied byte for byte: no schema reads them' }),
      startedAt: s('string', { format: 'date-time' }),
      updatedAt: s('string', { format: 'date-time' }),
      finishedAt: s('string', { format: 'date-time' }),
      error: s('string'),
      groups: {
        type: 'object',
        description:
          'After a finished pass: consumer groups whose source positions were carried over to the target, and groups still reading the source (stop them and ask again)',
        required: ['translated', 'reading'],
        properties: {
          translated: { type: 'array', items: s('string') },
          reading: { type: 'array', items: s('string') },
        },
      },
      statusUrl: s('string'),
    },
  });
  b.operation('post', '/api/admin/migrations/upcast-events', {
    operationId: 'upcastEvents',
    summary:
      "Copy an aggregate type's events into a new topic at the latest schema versions (the same request again: the same job, a catch-up pass)",
    tags: ['admin'],
    requestBody: {
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/UpcastEventsBody' } } },
    },
    responses: {
      '202': jsonResponse('The pass is under way; follow statusUrl', migrationJob, {
        Location: { schema: s('string') },
      }),
      ...failures('400', '413', '415', '503'),
      '409': problemResponse(
        'The target holds other content or another partition count, or is already the events topic',
      ),
      '501': problemResponse('No migration engine in this deployment'),
    },
  });
  b.operation('get', '/api/admin/migrations/{jobId}', {
    operationId: 'migrationProgress',
    summary: 'Progress of an upcast migration',
    tags: ['admin'],
    parameters: [pathParameter('jobId', idSchema)],
    responses: {
      '200': jsonResponse('The job', migrationJob),
      ...failures('400', '404', '503'),
      '501': problemResponse('No migration engine in this deployment'),
    },
  });
  documentOperationalRoutes(b);
  return b.build();
}
