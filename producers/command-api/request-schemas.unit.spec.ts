import { inventoryDecider } from '../../domain/inventory/decider';
import { inventoryCommand } from '../../domain/testing/inventory-fixtures';
import { ValidationError } from '../../lib/errors';
import { catalogs } from '../../schemas/catalogs';
import { AVRO_LONG } from '../../schemas/field-bounds';
import { compileValidator } from '../../lib/validation';
import {
  MAX_REPLENISH_QUANTITY,
  registerProductSchema,
  replenishStockSchema,
  requestSchemas,
  type RegisterProductBody,
  type ReplenishStockBody,
} from './request-schemas';
import { UNENCODABLE_PRODUCT } from './testing/unencodable-product';

/** The fields a body is refused for, or [] when it is accepted. */
const fieldsRefused = (validate: (data: unknown) => unknown, body: unknown): string[] => {
  try {
    validate(body);
    return [];
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.errors.map((e) => e.field);
  }
};

describe('registerProductSchema', () => {
  const validator = compileValidator<RegisterProductBody>(registerProductSchema);
  const refused = (body: unknown) => fieldsRefused((b) => validator.validate(b), body);
  const product = { sku: 'GARD-0001', name: 'Garden Hose', price: 2999, category: 'garden', initialStock: 0 };

  it('accepts a product with and without a low-stock threshold, including 0 for both counts', () => {
    expect(refused(product)).toEqual([]);
    expect(refused({ ...product, initialStock: 40, lowStockThreshold: 0 })).toEqual([]);
    expect(refused({ ...product, price: 0 })).toEqual([]);
  });

  it.each([
    ['an unknown field', { ...product, colour: 'green' }, ['colour']],
    ['a missing sku', { ...product, sku: undefined }, ['sku']],
    ['a sku outside the id alphabet', { ...product, sku: 'GARD 0001' }, ['sku']],
    ['a blank name', { ...product, name: '   ' }, ['name']],
    ['an empty category', { ...product, category: '' }, ['category']],
    ['a price with cents as a fraction', { ...product, price: 29.99 }, ['price']],
    ['a price as a string', { ...product, price: '2999' }, ['price']],
    ['a negative price', { ...product, price: -1 }, ['price']],
    ['a negative initial stock', { ...product, initialStock: -1 }, ['initialStock']],
    ['a fractional low-stock threshold', { ...product, lowStockThreshold: 2.5 }, ['lowStockThreshold']],
    ['a negative low-stock threshold', { ...product, lowStockThreshold: -1 }, ['lowStockThreshold']],
    ['an unsafe integer stock', { ...product, initialStock: 2 ** 53 }, ['initialStock']],
  ])('refuses %s, naming the field', (_, body, fields) => {
    expect(refused(JSON.parse(JSON.stringify(body)))).toEqual(fields);
  });

  it('names every missing required field at once', () => {
    expect(refused({}).sort()).toEqual(['category', 'initialStock', 'name', 'price', 'sku']);
  });
});

describe('replenishStockSchema', () => {
  const validator = compileValidator<ReplenishStockBody>(replenishStockSchema);
  const refused = (body: unknown) => fieldsRefused((b) => validator.validate(b), body);

  it('accepts 1 to the maximum, with or without expectedVersion', () => {
    expect(refused({ quantity: 1 })).toEqual([]);
    expect(refused({ quantity: MAX_REPLENISH_QUANTITY, expectedVersion: 3 })).toEqual([]);
  });

  it.each([
    ['quantity 0', { quantity: 0 }, ['quantity']],
    ['a quantity above the maximum', { quantity: MAX_REPLENISH_QUANTITY + 1 }, ['quantity']],
    ['a fractional quantity', { quantity: 1.5 }, ['quantity']],
    ['a missing quantity', { expectedVersion: 1 }, ['quantity']],
    ['a negative expectedVersion', { quantity: 1, expectedVersion: -1 }, ['expectedVersion']],
    ['an unknown field', { quantity: 1, sku: 'BOOK-0001' }, ['sku']],
  ])('refuses %s, naming the field', (_, body, fields) => {
    expect(refused(body)).toEqual(fields);
  });
});

describe('requestSchemas', () => {
  it('lists the inventory bodies, every one closed to unknown fields', () => {
    expect(requestSchemas).toMatchObject({
      'inventory/products': registerProductSchema,
      'inventory/replenish': replenishStockSchema,
    });
    for (const schema of Object.values(requestSchemas)) expect(schema.additionalProperties).toBe(false);
  });
});

describe('the register-product body and the events it becomes', () => {
  const validator = compileValidator<RegisterProductBody>(registerProductSchema);
  const maxOf = (field: keyof typeof registerProductSchema.properties): number =>
    (registerProductSchema.properties[field] as { maximum: number }).maximum;

  it('refuses the issue-9 request at the edge, naming lowStockThreshold', () => {
    const body = UNENCODABLE_PRODUCT;
    expect(() => validator.validate(body)).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ field: 'lowStockThreshold' })] }),
    );
  });

  it('accepts only bodies whose every event encodes: every integer at its maximum still encodes', () => {
    const body = {
      sku: 'SKU-MAX',
      name: 'n',
      price: maxOf('price'),
      category: 'c',
      initialStock: 0,
      lowStockThreshold: maxOf('lowStockThreshold'),
    };
    expect(validator.validate(body)).toEqual(body);
    const { sku: _sku, ...fields } = body;
    const events = inventoryDecider.decide(
      inventoryCommand({ type: 'RegisterProduct', ...fields }, body.sku),
      inventoryDecider.initialState(),
    );
    expect(events.map((e) => e.type)).toContain('LowStockDetected');
    for (const event of events) expect(() => catalogs.inventory.serde.encode(event)).not.toThrow();
  });
});

describe('integer fields that become event fields', () => {
  const integerProperties = Object.entries(requestSchemas).flatMap(([route, schema]) =>
    Object.entries(schema.properties as Record<string, { type?: string; maximum?: number; items?: unknown }>)
      .filter(([field, property]) => property.type === 'integer' && field !== 'expectedVersion')
      .map(([field, property]) => [`${route}.${field}`, property] as const),
  );

  it.each(integerProperties)('%s has a maximum an Avro long written by avsc can hold', (_, property) => {
    expect(property.maximum).toBeLessThanOrEqual(AVRO_LONG.maximum);
  });
});

describe('string fields', () => {
  type Property = {
    type?: string;
    maxLength?: number;
    enum?: unknown[];
    items?: Property;
    properties?: Record<string, Property>;
  };
  const strings = (path: string, schema: Property): [string, Property][] => [
    ...(schema.type === 'string' ? [[path, schema] as [string, Property]] : []),
    ...(schema.items ? strings(`${path}[]`, schema.items) : []),
    ...Object.entries(schema.properties ?? {}).flatMap(([name, p]) => strings(`${path}.${name}`, p)),
  ];
  const all = Object.entries(requestSchemas).flatMap(([route, schema]) => strings(route, schema as Property));

  it.each(all)('%s has a bounded length', (_, property) => {
    expect(property.enum !== undefined || (property.maxLength ?? Infinity) <= 1_000).toBe(true);
  });
});
