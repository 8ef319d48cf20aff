import type { TInteger } from '@sinclair/typebox';
import { CreateOrderSchema, AddItemSchema } from '../domain/order/commands';
import {
  ChangeProductPriceSchema,
  RegisterProductSchema,
  ReplenishStockSchema,
  ReserveStockSchema,
} from '../domain/inventory/commands';
import { catalogs } from './catalogs';
import { integerBounds } from './field-bounds';

/*
 * Command schemas live in the domain, which reads no files; the .avsc files say what the events
 * they become can hold. This holds each integer field of a command to every event field it is
 * written to, so a command its schema accepts always encodes (an unencodable one would be
 * refused only after it reached Kafka).
 */

const orders = catalogs.orders.catalog;
const inventory = catalogs.inventory.catalog;

const fields: ReadonlyArray<[string, TInteger, ReturnType<typeof integerBounds>]> = [
  [
    'CreateOrder.items.quantity',
    CreateOrderSchema.properties.items.items.properties.quantity,
    integerBounds(orders, ['OrderCreated', 'items.quantity'], ['OrderItemAdded', 'quantity']),
  ],
  [
    'CreateOrder.items.unitPrice',
    CreateOrderSchema.properties.items.items.properties.unitPrice,
    integerBounds(orders, ['OrderCreated', 'items.unitPrice'], ['OrderItemAdded', 'unitPrice']),
  ],
  [
    'AddItem.quantity',
    AddItemSchema.properties.quantity,
    integerBounds(orders, ['OrderItemAdded', 'quantity'], ['OrderCreated', 'items.quantity']),
  ],
  [
    'AddItem.unitPrice',
    AddItemSchema.properties.unitPrice,
    integerBounds(orders, ['OrderItemAdded', 'unitPrice'], ['OrderCreated', 'items.unitPrice']),
  ],
  [
    'RegisterProduct.price',
    RegisterProductSchema.properties.price,
    integerBounds(inventory, ['ProductRegistered', 'price'], ['ProductPriceChanged', 'previousPrice']),
  ],
  [
    'RegisterProduct.initialStock',
    RegisterProductSchema.properties.initialStock,
    integerBounds(
      inventory,
      ['ProductRegistered', 'initialStock'],
      ['LowStockDetected', 'available'],
      ['StockReservationRejected', 'available'],
    ),
  ],
  [
    'RegisterProduct.lowStockThreshold',
    RegisterProductSchema.properties.lowStockThreshold,
    integerBounds(inventory, ['ProductRegistered', 'lowStockThreshold'], ['LowStockDetected', 'threshold']),
  ],
  [
    'ReplenishStock.quantity',
    ReplenishStockSchema.properties.quantity,
    integerBounds(inventory, ['StockReplenished', 'quantity']),
  ],
  [
    'ReserveStock.quantity',
    ReserveStockSchema.properties.quantity,
    integerBounds(inventory, ['StockReserved', 'quantity'], ['StockReservationRejected', 'quantity']),
  ],
  [
    'ChangeProductPrice.price',
    ChangeProductPriceSchema.properties.price,
    integerBounds(
      inventory,
      ['ProductPriceChanged', 'price'],
      ['ProductPriceChanged', 'previousPrice'],
      ['ProductRegistered', 'price'],
    ),
  ],
];

describe('integer command fields and the events they are written to', () => {
  it.each(fields)('%s fits every event field it becomes', (_, schema, bounds) => {
    expect(schema.minimum).toBeGreaterThanOrEqual(bounds.minimum);
    expect(schema.maximum).toBeLessThanOrEqual(bounds.maximum);
  });
});
