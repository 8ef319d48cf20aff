import { etagFor, ifNoneMatchMatches } from './etag';

describe('etagFor', () => {
  it('names view, id and version', () => {
    expect(etagFor('orders', 'o-1', 7)).toBe('"orders-o-1-v7"');
  });
});

describe('ifNoneMatchMatches', () => {
  const etag = etagFor('orders', 'o-1', 7);

  it.each([
    ['"orders-o-1-v7"', true],
    ['W/"orders-o-1-v7"', true],
    ['"other", "orders-o-1-v7"', true],
    ['*', true],
    ['"orders-o-1-v6"', false],
    ['"orders-o-1-v70"', false],
    ['orders-o-1-v7', false],
    ['', false],
  ])('%j → %s', (header, expected) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(expected);
  });

  it('is false without the header', () => {
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
  });
});
