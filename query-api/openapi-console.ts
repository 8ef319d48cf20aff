import { idSchema } from '../domain/ids';
import { redriveRequestSchema } from './dead-letter-routes';
import { feedQuerySchema } from './feed-stream';
import { gatewayKnobsSchema } from './gateway-fault-routes';
import { emptyQuerySchema } from './query-schemas';
import {
  jsonResponse,
  pathParameter,
  problemResponse,
  queryParameters,
  schemaRef,
  type OpenApiBuilder,
} from '../lib/http/openapi/builder';
import type { QueryDocumentParts } from './openapi-order-parts';

/**
 * The routes the operator console reads and acts through: the change feed, an order's journey,
 * dead letters, the payment gateway's fault knobs, and the console's own page and settings.
 */
export function documentConsoleRoutes(
  b: OpenApiBuilder,
  { s, invalid, unavailable }: QueryDocumentParts,
): void {
  const noQuery = queryParameters(emptyQuerySchema);
  const notAvailable = (what: string) => problemResponse(`${what} is not configured in this deployment`);

  b.operation('get', '/api/queries/feed', {
    operationId: 'streamChanges',
    summary: 'Server-Sent Events of every change the projections announce (operators and admins)',
    description:
      'Each `event: change` carries `{view, id, version, status?, updatedAt?}`; comments as heartbeats. ' +
      'Best effort, like the caches it invalidates: read the views for the whole state.',
    tags: ['orders'],
    parameters: queryParameters(feedQuerySchema),
    responses: {
      '200': { description: 'An event stream', content: { 'text/event-stream': { schema: s('string') } } },
      '400': invalid,
    },
  });

  b.operation('get', '/api/queries/orders/{id}/journey', {
    operationId: 'getOrderJourney',
    summary:
      'The order with its payment, shipment and notifications (null or empty until the saga gets there)',
    tags: ['orders'],
    parameters: [pathParameter('id', idSchema), ...noQuery],
    responses: {
      '200': jsonResponse(
        'The journey',
        b.schema('OrderJourney', {
          type: 'object',
          required: ['order', 'payment', 'shipment', 'notifications'],
          properties: {
            order: schemaRef('OrderView'),
            payment: { type: ['object', 'null'] },
            shipment: { type: ['object', 'null'] },
            notifications: { type: 'array', items: s('object') },
          },
        }),
      ),
      '400': invalid,
      '404': problemResponse('No such order (or not projected yet)'),
      '503': unavailable,
    },
  });

  const letter = b.schema('DeadLetter', {
    type: 'object',
    required: ['partition', 'offset', 'at', 'headers', 'value'],
    properties: {
      partition: s('integer'),
      offset: s('string'),
      at: s('string', { format: 'date-time' }),
      source: s('string', { description: 'The topic (and partition) it came from' }),
      attempts: s('integer'),
      reason: s('string'),
      key: s('string'),
      headers: { type: 'object', additionalProperties: s('string') },
      value: s('string', { description: 'The record value as UTF-8 text' }),
    },
  });
  const group = pathParameter('group', idSchema, 'A consumer group (topics/topics.json deadLetters.groups)');
  b.operation('get', '/api/admin/deadletters', {
    operationId: 'listDeadLetterGroups',
    summary: 'Every consumer group with its count of dead letters',
    tags: ['admin'],
    parameters: noQuery,
    responses: {
      '200': jsonResponse(
        'The groups',
        b.schema('DeadLetterGroups', {
          type: 'object',
          required: ['groups'],
          properties: {
            groups: {
              type: 'array',
              items: {
                type: 'object',
                required: ['group', 'count', 'redrivable'],
                properties: { group: s('string'), count: s('integer'), redrivable: s('boolean') },
              },
            },
          },
        }),
      ),
      '400': invalid,
      '501': notAvailable('Kafka'),
    },
  });
  b.operation('get', '/api/admin/deadletters/{group}', {
    operationId: 'listDeadLetters',
    summary: "One group's dead letters in full: headers, reason, value",
    tags: ['admin'],
    parameters: [group, ...noQuery],
    responses: {
      '200': jsonResponse(
        'The dead letters',
        b.schema('DeadLetters', {
          type: 'object',
          required: ['group', 'redrivable', 'items'],
          properties: {
            group: s('string'),
            redrivable: s('boolean'),
            items: { type: 'array', items: letter },
          },
        }),
      ),
      '400': invalid,
      '404': problemResponse('No such consumer group'),
      '501': notAvailable('Kafka'),
    },
  });
  b.operation('post', '/api/admin/deadletters/{group}/redrive', {
    operationId: 'redriveDeadLetter',
    summary: 'Sends one dead letter back to the topic it came from',
    tags: ['admin'],
    parameters: [group, ...noQuery],
    requestBody: { required: true, content: { 'application/json': { schema: redriveRequestSchema } } },
    responses: {
      '200': jsonResponse(
        'Re-driven',
        b.schema('Redriven', {
          type: 'object',
          required: ['partition', 'offset', 'to'],
          properties: { partition: s('integer'), offset: s('string'), to: s('string') },
        }),
      ),
      '400': invalid,
      '404': problemResponse('No such group, or no dead letter at that partition and offset'),
      '409': problemResponse("The group's dead letters are events still in the event store: replay instead"),
      '415': problemResponse('The body is not JSON'),
      '501': notAvailable('Kafka'),
    },
  });

  const knobs = b.schema('GatewayFailures', {
    type: 'object',
    required: ['errorRate', 'latencyMs', 'timeoutRate', 'declineRate'],
    properties: gatewayKnobsSchema.properties,
  });
  const gatewayDown = problemResponse('The payment gateway simulator did not answer');
  b.operation('get', '/api/admin/simulators/payment-gateway/failures', {
    operationId: 'getGatewayFailures',
    summary: "The payment gateway simulator's fault knobs",
    tags: ['admin'],
    parameters: noQuery,
    responses: {
      '200': jsonResponse('The knobs', knobs),
      '400': invalid,
      '501': notAvailable('The payment gateway simulator'),
      '503': gatewayDown,
    },
  });
  b.operation('post', '/api/admin/simulators/payment-gateway/failures', {
    operationId: 'setGatewayFailures',
    summary: "Replaces the payment gateway simulator's fault knobs (those left out go back to 0)",
    tags: ['admin'],
    parameters: noQuery,
    requestBody: { required: false, content: { 'application/json': { schema: gatewayKnobsSchema } } },
    responses: {
      '200': jsonResponse('The knobs now', knobs),
      '400': invalid,
      '415': problemResponse('The body is not JSON'),
      '501': notAvailable('The payment gateway simulator'),
      '503': gatewayDown,
    },
  });

  b.operation('get', '/console/', {
    operationId: 'getConsole',
    summary: 'The operator console (a page; sign in with a bearer token)',
    tags: ['operations'],
    responses: {
      '200': { description: 'The page', content: { 'text/html': { schema: s('string') } } },
      '501': problemResponse('The console was not built (npm run console:build)'),
    },
  });
  b.operation('get', '/console/config.json', {
    operationId: 'getConsoleSettings',
    summary: 'Where the console finds the other processes and Prometheus',
    tags: ['operations'],
    responses: {
      '200': jsonResponse(
        'The settings',
        b.schema('ConsoleSettings', {
          type: 'object',
          required: ['services'],
          properties: {
            services: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'url'],
                properties: { name: s('string'), url: s('string') },
              },
            },
            prometheusUrl: s('string'),
          },
        }),
      ),
    },
  });
}
