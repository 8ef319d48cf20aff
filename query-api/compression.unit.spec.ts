import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { negotiateEncoding, PreparedBody } from './compression';

describe('negotiateEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0.1, gzip;q=0.5', 'gzip'],
    ['identity', 'identity'],
    ['GZIP', 'gzip'],
  ])('%j → %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('PreparedBody', () => {
  const order = {
    orderId: 'o-1',
    items: Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${i}`, quantity: i })),
  };

  it('serializes once and serializes back to the same JSON wherever it lands', () => {
    const body = PreparedBody.json(order);
    expect(body.text).toBe(JSON.stringify(order));
    expect(body.byteLength).toBe(Buffer.byteLength(JSON.stringify(order)));
    expect(JSON.stringify(body)).toBe(JSON.stringify(order));
  });

  it('compresses once per coding, and the bytes decode to the JSON', async () => {
    const body = PreparedBody.json(order);
    const first = body.encoding('gzip');
    expect(body.encoding('gzip')).toBe(first);
    expect(gunzipSync(await first).toString()).toBe(body.text);
    expect(brotliDecompressSync(await body.encoding('br')).toString()).toBe(body.text);
  });
});
