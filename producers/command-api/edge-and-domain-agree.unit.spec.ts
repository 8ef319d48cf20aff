import type { Catalog } from '../../domain/catalog/catalog';
import { MAX_EVENT_INTEGER } from '../../domain/command-schema';
import { Id } from '../../domain/command-schema';
import { isValidId } from '../../domain/ids';
import type { InventoryCommand } from '../../domain/inventory/commands';
import { validateInventoryCommand } from '../../domain/inventory/validate-command';
import type { NotificationCommand } from '../../domain/notification/commands';
import { validateNotificationCommand } from '../../domain/notification/validate-command';
import type { OrderCommand } from '../../domain/order/commands';
import { validateOrderCommand } from '../../domain/order/validate-command';
import type { PreferencesCommand } from '../../domain/preferences/commands';
import { DEFAULT_PREFERENCES } from '../../domain/preferences/preferences';
import { validatePreferencesCommand } from '../../domain/preferences/validate-command';
import { meta } from '../../domain/testing/order-fixtures';
import { ValidationError } from '../../lib/errors';
import { compileValidator, createAjv } from '../../lib/validation';
import {
  addItemRequest,
  cancelOrderRequest,
  createOrderRequest,
  placeOrderRequest,
  removeItemRequest,
  type CommandRequest,
} from './command-requests';
import {
  DEFAULT_LOW_STOCK_THRESHOLD,
  DEFAULT_RETIREMENT_REASON,
  MAX_REPLENISH_QUANTITY,
  requestSchemas,
} from './request-schemas';

/*
 * The edge and the domain validate from the same schemas; this holds them to it. Every sample
 * body goes through the command API's validator, and through the mapping the API applies
 * (defaults, the catalogue's price, the envelope) to the decider's validation, as a command
 * written straight to the commands topic would. Both must refuse exactly the same fields.
 * Unknown fields are left out: the edge refuses them, a command may carry them.
 */

type Body = Record<string, unknown>;

/** As an admin sends them (a customer's token would decide customerId). Every sku is sold, at 100: only the shape is under test here, not the catalogue. */
const anySkuAt100: Catalog = {
  productOf: (sku) => ({ sku, name: sku, price: 100, category: 'c' }) as ReturnType<Catalog['productOf']>,
  priceOf: () => 100,
  list: () => [],
};

const ORDER_ID = 'order-1';
const SKU = 'GARD-0001';

/** The fields refused, each once and sorted; [] when accepted. */
const refusedBy = (check: () => unknown): string[] => {
  try {
    check();
    return [];
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return [...new Set(err.errors.map((e) => e.field))].sort();
  }
};

interface Route {
  schema: (typeof requestSchemas)[keyof typeof requestSchemas];
  valid: Body;
  /** The command the API sends for a body the edge accepted, with the decider's validation. */
  decide: (body: Body) => void;
}

const orderRoute = <B>(
  name: keyof typeof requestSchemas,
  request: CommandRequest<B>,
  valid: Body,
): [string, Route] => [
  name,
  {
    schema: requestSchemas[name],
    valid,
    decide: (body) =>
      validateOrderCommand({
        ...request.draft(body as B, { orderId: ORDER_ID, catalog: anySkuAt100 }),
        orderId: ORDER_ID,
        ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
        meta: meta(),
      } as OrderCommand),
  },
];

const inventoryRoute = (
  name: keyof typeof requestSchemas,
  valid: Body,
  command: (body: Body) => Body,
): [string, Route] => [
  name,
  {
    schema: requestSchemas[name],
    valid,
    decide: (body) =>
      validateInventoryCommand({
        sku: SKU,
        ...command(body),
        ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
        meta: meta(),
      } as InventoryCommand),
  },
];

const routes: [string, Route][] = [
  orderRoute('create', createOrderRequest, {
    customerId: 'c-1',
    items: [{ sku: SKU, quantity: 2 }],
    currency: 'EUR',
  }),
  orderRoute('add-item', addItemRequest, { sku: SKU, quantity: 2 }),
  orderRoute('remove-item', removeItemRequest, { sku: SKU }),
  orderRoute('place', placeOrderRequest, {}),
  orderRoute('cancel', cancelOrderRequest, { reason: 'changed my mind', reasonCode: 'OTHER' }),
  inventoryRoute(
    'inventory/products',
    { sku: SKU, name: 'Garden Hose', price: 2999, category: 'garden', initialStock: 40 },
    (b) => ({
      type: 'RegisterProduct',
      ...b,
      lowStockThreshold: b.lowStockThreshold ?? DEFAULT_LOW_STOCK_THRESHOLD,
    }),
  ),
  inventoryRoute('inventory/replenish', { quantity: 10 }, (b) => ({
    type: 'ReplenishStock',
    quantity: b.quantity,
  })),
  inventoryRoute('inventory/price', { price: 1999 }, (b) => ({ type: 'ChangeProductPrice', price: b.price })),
  inventoryRoute('inventory/rename', { name: 'Hose' }, (b) => ({ type: 'RenameProduct', name: b.name })),
  inventoryRoute('inventory/retire', { reason: 'discontinued' }, (b) => ({
    type: 'RetireProduct',
    reason: b.reason ?? DEFAULT_RETIREMENT_REASON,
  })),
  [
    'customers/notification-preferences',
    {
      schema: requestSchemas['customers/notification-preferences'],
      valid: { channels: ['email'], locale: 'de-CH' },
      decide: (body) =>
        validatePreferencesCommand({
          type: 'SetNotificationPreferences',
          customerId: 'c-1',
          channels: body.channels,
          ...(body.quietHours !== undefined ? { quietHours: body.quietHours } : {}),
          locale: body.locale ?? DEFAULT_PREFERENCES.locale,
          ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
          meta: meta(),
        } as PreferencesCommand),
    },
  ],
  [
    'notifications/receipt',
    {
      schema: requestSchemas['notifications/receipt'],
      valid: { status: 'bounced', at: '2030-01-01T12:00:00Z', reason: 'mailbox unknown' },
      decide: (body) =>
        validateNotificationCommand({
          type: 'RecordDeliveryReceipt',
          notificationId: 'order-1:OrderPlaced:email',
          ...body,
          meta: meta(),
        } as NotificationCommand),
    },
  ],
];

const ids = ['GARD 0001', '', 'x'.repeat(64), 'x'.repeat(65), 'Gärten', 'a/b', 42, null, 'ok:._-1'];
const lineQuantities = [1, 1000, 0, 1001, 1.5, '2', -3, null];
const texts = (maxLength: number) => [
  'Hose',
  '   ',
  '',
  '\t\n',
  'x'.repeat(maxLength),
  'x'.repeat(maxLength + 1),
  7,
];
const amounts = [0, 2999, MAX_EVENT_INTEGER, MAX_EVENT_INTEGER + 1, -1, 29.99, '2999', null];
const versions = [0, 3, -1, 1.5, '3', Number.MAX_SAFE_INTEGER];

/** Values to try per field, beside the route's valid body; the bad ones include every old disagreement. */
const samples: Record<string, Record<string, unknown[]>> = {
  create: {
    items: [
      [],
      ...ids.map((sku) => [{ sku, quantity: 1 }]),
      ...lineQuantities.map((quantity) => [{ sku: SKU, quantity }]),
      [{ sku: SKU }],
      Array.from({ length: 100 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 })),
      Array.from({ length: 101 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 })),
    ],
    customerId: ids,
    currency: ['EUR', 'USD', 'eur', 'euro', 'EU', 3, ''],
    salesChannel: ['web', 'mobile', '', 'x'.repeat(32), 'x'.repeat(33), 'point of sale'],
  },
  'add-item': { sku: ids, quantity: lineQuantities, expectedVersion: versions },
  'remove-item': { sku: ids, expectedVersion: versions },
  place: { expectedVersion: versions },
  cancel: {
    reason: texts(500),
    reasonCode: ['CUSTOMER_REQUEST', 'OUT_OF_STOCK', 'BORED', '', 1],
    expectedVersion: versions,
  },
  'inventory/products': {
    sku: ids,
    name: texts(200),
    category: texts(100),
    price: amounts,
    initialStock: amounts,
    // Not null: the route reads an absent threshold with ??, on bodies the edge already accepted.
    lowStockThreshold: amounts.filter((v) => v !== null),
  },
  'inventory/replenish': {
    quantity: [1, MAX_REPLENISH_QUANTITY, MAX_REPLENISH_QUANTITY + 1, 0, 2.5],
    expectedVersion: versions,
  },
  'inventory/price': { price: amounts, expectedVersion: versions },
  'inventory/rename': { name: texts(200), expectedVersion: versions },
  'inventory/retire': { reason: texts(500), expectedVersion: versions },
  'customers/notification-preferences': {
    channels: [[], ['email', 'sms', 'push'], ['fax'], ['sms', 'sms'], 'email', [1]],
    quietHours: [
      { start: '22:00', end: '07:00', timeZone: 'Europe/Zurich' },
      { start: '24:00', end: '7:00', timeZone: 'Mars/Olympus' },
      { start: '22:00', end: '07:00' },
      { start: '22:00', end: '07:00', timeZone: 'UTC', colour: 'red' },
      'nights',
    ],
    locale: ['en', 'de-CH', 'english please', '', 'x'.repeat(36)],
    expectedVersion: versions,
  },
  'notifications/receipt': {
    status: ['delivered', 'failed', 'lost', ''],
    at: ['2030-01-01T12:00:00.123+01:00', '2030-02-30T12:00:00Z', 'yesterday', '2030-01-01T12:00', ''],
    reason: texts(500),
  },
};

const cases = routes.flatMap(([name, route]) => [
  [name, 'the valid body', route, route.valid] as const,
  ...Object.entries(samples[name] ?? {}).flatMap(([field, values]) =>
    values.map(
      (value) =>
        [
          name,
          `${field}: ${JSON.stringify(value)?.slice(0, 40)}`,
          route,
          { ...route.valid, [field]: value },
        ] as const,
    ),
  ),
]);

describe('the command API and the deciders agree on every command a client can send', () => {
  it('has samples for every body schema with a command behind it', () => {
    expect(Object.keys(samples).sort()).toEqual(routes.map(([name]) => name).sort());
  });

  it.each(cases)('%s, %s: the same fields refused', (_route, _sample, route, body) => {
    const edge = compileValidator(route.schema);
    const atTheEdge = refusedBy(() => edge.validate(body));
    expect(refusedBy(() => route.decide(body))).toEqual(atTheEdge);
  });

  it('refuses, at both, the sku with a space the domain once accepted', () => {
    const body = { sku: 'GARD 0001', quantity: 1 };
    expect(refusedBy(() => compileValidator(requestSchemas['add-item']).validate(body))).toEqual(['sku']);
    const [, addItem] = routes.find(([name]) => name === 'add-item') ?? [];
    expect(refusedBy(() => addItem?.decide(body))).toEqual(['sku']);
  });
});

describe('path ids and the schemas agree', () => {
  const id = createAjv().compile(Id());
  it.each(ids)('%j', (value) => {
    expect(isValidId(value)).toBe(id(value));
  });
});
