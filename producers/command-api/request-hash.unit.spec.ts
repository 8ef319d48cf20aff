import { canonicalJson, requestHash } from './request-hash';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('treats an undefined property as absent, as JSON.stringify does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });
});

describe('requestHash', () => {
  const base = {
    method: 'POST',
    path: '/api/commands/orders/create',
    body: { customerId: 'c-1', items: [{ sku: 'BOOK-0001', quantity: 1 }] },
  };

  it('is the same for the same request written differently', () => {
    const reordered = { items: [{ quantity: 1, sku: 'BOOK-0001' }], customerId: 'c-1' };
    expect(requestHash({ ...base, body: reordered, method: 'post' })).toBe(requestHash(base));
    expect(requestHash(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the method, path, body or If-Match version differs', () => {
    const hash = requestHash(base);
    expect(requestHash({ ...base, method: 'PUT' })).not.toBe(hash);
    expect(requestHash({ ...base, path: '/api/commands/orders/o-1/place' })).not.toBe(hash);
    expect(requestHash({ ...base, body: { ...base.body, currency: 'USD' } })).not.toBe(hash);
    expect(requestHash({ ...base, ifMatchVersion: 3 })).not.toBe(hash);
    expect(requestHash({ ...base, ifMatchVersion: 3 })).not.toBe(requestHash({ ...base, ifMatchVersion: 4 }));
  });
});
