import { documentConsoleRoutes } from './openapi-console';
import {
  emptyQuerySchema,
  ordersQuerySchema,
  ORDER_STATUSES,
  productSearchQuerySchema,
  productsQuerySchema,
} from './query-schemas';
import { idSchema } from '../domain/ids';
import {
  createOpenApiBuilder,
  jsonResponse,
  pathParameter,
  problemResponse,
  queryParameters,
  type JsonSchema,
  type OpenApiDocument,
  type Response,
} from '../lib/http/openapi/builder';
import { documentOperationalRoutes } from '../lib/http/openapi/operational';
import {
  documentCustomerRoutes,
  documentOrderPartRoutes,
  documentTemplateRoutes,
} from './openapi-order-parts';

const s = (type: string, extra: object = {}): JsonSchema => ({ type, ...extra });
const pageOf = (item: JsonSchema, extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  required: ['items', 'page', 'pageSize', 'total'],
  properties: {
    items: { type: 'array', items: item },
    page: s('integer', { minimum: 1 }),
    pageSize: s('integer', { minimum: 1, maximum: 100 }),
    total: s('integer', { minimum: 0 }),
    ...extra,
  },
});

const cachedHeaders: Response['headers'] = {
  ETag: { description: '`"<representation>-<id>-v<version>"`', schema: s('string') },
  'X-Cache': {
    description: 'Where the answer came from',
    schema: s('string', { enum: ['hit', 'miss', 'stale'] }),
  },
  'X-Data-Stale': {
    description: '`true` when MongoDB is down and a stale copy is served',
    schema: s('string'),
  },
  'Cache-Control': { schema: s('string') },
};

/** The query API (DESIGN §7), built from the same query schemas its validators use. */
export function queryApiDocument(version = '1.0.0'): OpenApiDocument {
  const b = createOpenApiBuilder(
    {
      title: 'orderstream query API',
      version,
      description:
        'Read side: projected views of orders (with their payments, shipments and notifications), ' +
        'products and inventory. Single-document reads carry ETags ' +
        '(If-None-Match gives 304) and may be served stale while MongoDB is down (X-Data-Stale: true).',
    },
    [
      { name: 'orders' },
      { name: 'products' },
      { name: 'inventory' },
      { name: 'customers', description: "A customer's own settings" },
      { name: 'admin', description: 'Admin role only' },
      { name: 'operations' },
    ],
  );
  const notModified: Response = {
    description: 'If-None-Match matched the current ETag',
    headers: cachedHeaders,
  };
  const invalid = problemResponse('Invalid path or query parameter; `errors` names each field');
  const unavailable = problemResponse('MongoDB is down and no cached copy exists');
  const noQuery = queryParameters(emptyQuerySchema);
  const ifNoneMatch = { name: 'If-None-Match', in: 'header' as const, schema: s('string') };

  const order = b.schema('OrderView', {
    type: 'object',
    required: [
      'orderId',
      'customerId',
      'status',
      'items',
      'totalAmount',
      'currency',
      'version',
      'createdAt',
      'updatedAt',
      'timeline',
    ],
    properties: {
      orderId: s('string'),
      customerId: s('string'),
      status: s('string', { enum: [...ORDER_STATUSES] }),
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['sku', 'quantity', 'unitPrice'],
          properties: { sku: s('string'), quantity: s('integer'), unitPrice: s('integer') },
        },
      },
      totalAmount: s('integer', { description: 'Minor units' }),
      currency: s('string'),
      version: s('integer'),
      createdAt: s('string', { format: 'date-time' }),
      updatedAt: s('string', { format: 'date-time' }),
      timeline: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type', 'version', 'at'],
          properties: { type: s('string'), version: s('integer'), at: s('string') },
        },
      },
      cancellationReason: s('string'),
      cancellationCode: s('string'),
      reservedSkus: { type: 'array', items: s('string') },
      payment: s('object'),
      shipment: s('object'),
      notifications: {
        type: 'array',
        description:
          "The order's notifications, oldest first, each with the provider's delivery receipt once it came (single order only; lists leave them out)",
        items: {
          type: 'object',
          required: ['notificationId', 'channel', 'template', 'status', 'attempts', 'version', 'updatedAt'],
          properties: {
            notificationId: s('string'),
            channel: s('string', { enum: ['email', 'sms', 'push'] }),
            template: s('string'),
            status: s('string', { enum: ['Sent', 'Failed'] }),
            attempts: s('integer'),
            reason: s('string'),
            delivery: {
              type: 'object',
              required: ['status', 'at'],
              properties: {
                status: s('string', { enum: ['delivered', 'bounced', 'failed'] }),
                at: s('string', { format: 'date-time' }),
                reason: s('string'),
              },
            },
            version: s('integer'),
            updatedAt: s('string', { format: 'date-time' }),
          },
        },
      },
    },
  });
  const product = b.schema('Product', {
    type: 'object',
    required: ['sku', 'name', 'price', 'category', 'available'],
    properties: {
      sku: s('string'),
      name: s('string'),
      price: s('integer', { description: 'Minor units' }),
      category: s('string'),
      available: s('integer'),
      onHand: s('integer'),
      reserved: s('integer'),
      lowStock: s('boolean'),
      retired: s('boolean', { description: 'No longer sold; left out of the lists' }),
      version: s('integer'),
      updatedAt: s('string'),
    },
  });
  const inventory = b.schema('Inventory', {
    type: 'object',
    required: ['sku', 'onHand', 'reserved', 'available'],
    properties: {
      sku: s('string'),
      onHand: s('integer'),
      reserved: s('integer'),
      available: s('integer'),
      version: s('integer'),
      updatedAt: s('string'),
    },
  });

  b.operation('get', '/api/queries/orders/{id}', {
    operationId: 'getOrder',
    summary: 'One order view',
    tags: ['orders'],
    parameters: [pathParameter('id', idSchema), ...noQuery, ifNoneMatch],
    responses: {
      '200': jsonResponse('The order', order, cachedHeaders),
      '304': notModified,
      '400': invalid,
      '404': problemResponse('No such order (or not projected yet)'),
      '503': unavailable,
    },
  });
  b.operation('get', '/api/queries/orders', {
    operationId: 'listOrders',
    summary: 'Orders by customer and/or status, newest change first',
    tags: ['orders'],
    parameters: queryParameters(ordersQuerySchema),
    responses: {
      '200': jsonResponse('A page of orders', b.schema('OrderPage', pageOf(order))),
      '400': invalid,
      '503': problemResponse('MongoDB is down'),
    },
  });
  b.operation('get', '/api/queries/orders/{id}/stream', {
    operationId: 'streamOrderStatus',
    summary: 'Server-Sent Events of the order status',
    description:
      'First the current status as `event: status` (`id:` = version, data `{orderId, status, version, updatedAt}`), ' +
      'then every change; comments as heartbeats every 15 s; ends after Completed or Cancelled. ' +
      'Last-Event-ID skips versions the client already has.',
    tags: ['orders'],
    parameters: [
      pathParameter('id', idSchema),
      ...noQuery,
      { name: 'Last-Event-ID', in: 'header', schema: s('string') },
    ],
    responses: {
      '200': { description: 'An event stream', content: { 'text/event-stream': { schema: s('string') } } },
      '400': invalid,
      '404': problemResponse('No such order'),
      '503': unavailable,
    },
  });
  b.operation('get', '/api/queries/inventory/{sku}', {
    operationId: 'getInventory',
    summary: 'Stock of one sku',
    tags: ['inventory'],
    parameters: [pathParameter('sku', idSchema), ...noQuery, ifNoneMatch],
    responses: {
      '200': jsonResponse('Stock figures', inventory, cachedHeaders),
      '304': notModified,
      '400': invalid,
      '404': problemResponse('Unknown sku'),
      '503': unavailable,
    },
  });
  b.operation('get', '/api/products', {
    operationId: 'listProducts',
    summary: 'Products, by sku, optionally of one category',
    tags: ['products'],
    parameters: queryParameters(productsQuerySchema),
    responses: {
      '200': jsonResponse('A page of products', b.schema('ProductPage', pageOf(product))),
      '400': invalid,
      '503': problemResponse('MongoDB is down'),
    },
  });
  b.operation('get', '/api/products/search', {
    operationId: 'searchProducts',
    summary: 'Products whose name, sku or category contains the text (case-insensitive)',
    tags: ['products'],
    parameters: queryParameters(productSearchQuerySchema),
    responses: {
      '200': jsonResponse(
        'A page of matching products',
        b.schema('ProductSearchPage', pageOf(product, { query: s('string') })),
      ),
      '400': invalid,
      '503': problemResponse('MongoDB is down'),
    },
  });
  b.operation('get', '/api/products/{id}', {
    operationId: 'getProduct',
    summary: 'One product',
    tags: ['products'],
    parameters: [pathParameter('id', idSchema, 'The sku'), ...noQuery, ifNoneMatch],
    responses: {
      '200': jsonResponse('The product', product, cachedHeaders),
      '304': notModified,
      '400': invalid,
      '404': problemResponse('No such product'),
      '503': unavailable,
    },
  });
  b.operation('post', '/api/admin/projections/replay', {
    operationId: 'startProjectionReplay',
    summary: 'Rebuild every view from the event log beside the live one, then swap the alias',
    tags: ['admin'],
    requestBody: {
      required: false,
      content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
    },
    responses: {
      '202': jsonResponse(
        'Started',
        b.schema('ReplayStarted', {
          type: 'object',
          required: ['jobId', 'statusUrl'],
          properties: { jobId: s('string'), statusUrl: s('string') },
        }),
        { Location: { schema: s('string') } },
      ),
      '400': problemResponse('A body with unknown fields'),
      '409': problemResponse('A replay is already running; the body names its jobId'),
      '501': problemResponse('No replay engine in this deployment'),
    },
  });
  b.operation('get', '/api/admin/projections/replay/{jobId}', {
    operationId: 'getProjectionReplay',
    summary: 'Progress of a replay job',
    tags: ['admin'],
    parameters: [pathParameter('jobId', idSchema), ...noQuery],
    responses: {
      '200': jsonResponse(
        'Progress as reported by the replay engine',
        b.schema('ReplayProgress', {
          type: 'object',
          required: ['jobId'],
          properties: { jobId: s('string') },
        }),
      ),
      '400': invalid,
      '404': problemResponse('No such job'),
      '501': problemResponse('No replay engine in this deployment'),
    },
  });
  const shared = { s, pageOf, cachedHeaders, notModified, invalid, unavailable };
  documentOrderPartRoutes(b, shared);
  documentCustomerRoutes(b, shared);
  documentTemplateRoutes(b, shared);
  documentConsoleRoutes(b, shared);
  documentOperationalRoutes(b);
  return b.build();
}
