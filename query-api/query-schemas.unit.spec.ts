import { ValidationError } from '../lib/errors';
import { compileQueryValidator } from '../lib/http/query-validation';
import { parseOrderStatusMessage, parseViewChange } from './change-feed';
import {
  MAX_PAGE_SIZE,
  ordersQuerySchema,
  pageRequest,
  productSearchQuerySchema,
  type OrdersQuery,
  type ProductSearchQuery,
} from './query-schemas';
import { escapeRegex } from './view-reader';

const orders = compileQueryValidator<OrdersQuery>(ordersQuerySchema);
const search = compileQueryValidator<ProductSearchQuery>(productSearchQuerySchema);

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.errors.map((e) => e.field);
    throw err;
  }
  return [];
};

describe('orders list query', () => {
  it('coerces and accepts no filter at all', () => {
    expect(orders.validate({})).toEqual({});
    expect(orders.validate({ customerId: 'c-1', status: 'Placed', page: '2', pageSize: '500' })).toEqual({
      customerId: 'c-1',
      status: 'Placed',
      page: 2,
      pageSize: 500,
    });
  });

  it('clamps the page size and defaults the page', () => {
    expect(pageRequest({ pageSize: 500 })).toEqual({ page: 1, pageSize: MAX_PAGE_SIZE });
    expect(pageRequest({})).toEqual({ page: 1, pageSize: 20 });
  });

  it.each([
    [{ status: 'Shipping' }, 'status'],
    [{ 'status[$ne]': 'x' }, 'status[$ne]'],
    [{ 'customerId[$gt]': '' }, 'customerId[$gt]'],
    [{ $where: 'sleep(1)' }, '$where'],
    [{ customerId: '{"$ne":1}' }, 'customerId'],
    [{ customerId: 'has space' }, 'customerId'],
    [{ page: '0' }, 'page'],
    [{ pageSize: 'ten' }, 'pageSize'],
    [{ sort: 'updatedAt' }, 'sort'],
  ])('rejects %j naming %s', (raw, field) => {
    expect(fieldsOf(() => orders.validate(raw))).toEqual([field]);
  });
});

describe('product search query', () => {
  it('requires the text and keeps metacharacters as text', () => {
    expect(fieldsOf(() => search.validate({}))).toEqual(['query']);
    expect(search.validate({ query: 'a.*(b)' })).toEqual({ query: 'a.*(b)' });
  });
});

describe('escapeRegex', () => {
  it.each(['a.b', '(x)', '[a-z]+', '^$', 'a|b', '\\d{2}?', 'x/y'])('matches %j literally', (text) => {
    const pattern = new RegExp(escapeRegex(text), 'i');
    expect(pattern.test(`--${text}--`)).toBe(true);
    expect(pattern.source).not.toBe(text);
  });

  it('does not let a catastrophic pattern through', () => {
    expect(new RegExp(escapeRegex('(a+)+$')).test('aaaaaaaaaaaaaaaaaaaaaaaaaaaa!')).toBe(false);
  });
});

describe('change messages', () => {
  it('parses a change and refuses unknown views or garbage', () => {
    expect(parseViewChange('{"view":"orders","id":"o1","version":3,"status":"Placed"}')).toEqual({
      view: 'orders',
      id: 'o1',
      version: 3,
      status: 'Placed',
    });
    expect(parseViewChange('{"view":"secrets","id":"x","version":1}')).toBeUndefined();
    expect(parseViewChange('not json')).toBeUndefined();
  });

  it('parses an order status message keeping only typed fields', () => {
    expect(parseOrderStatusMessage('{"status":"Shipped","version":"5","extra":1}')).toEqual({
      status: 'Shipped',
    });
    expect(parseOrderStatusMessage('[1]')).toBeUndefined();
  });
});
