import { ValidationError } from '../errors';
import { findJsonSyntaxProblem } from './json-error-position';
import { compileQueryValidator } from './query-validation';
import { compileValidator, fieldPath, ROOT_FIELD } from '../validation';

describe('fieldPath', () => {
  it.each([
    ['', undefined, ROOT_FIELD],
    ['', 'name', 'name'],
    ['/items/0/quantity', undefined, 'items[0].quantity'],
    ['/items/12', 'sku', 'items[12].sku'],
    ['/meta/a~1b', 'x y', 'meta["a/b"]["x y"]'],
  ])('%j + %j → %j', (pointer, child, expected) => {
    expect(fieldPath(pointer, child)).toBe(expected);
  });
});

describe('compileValidator', () => {
  const validator = compileValidator<{ currency?: string }>({
    type: 'object',
    additionalProperties: false,
    properties: {
      currency: { type: 'string', enum: ['EUR', 'USD'] },
      at: { type: 'string', format: 'date-time' },
    },
  });

  it('returns the value when valid', () => {
    expect(validator.validate({ currency: 'EUR' })).toEqual({ currency: 'EUR' });
  });

  it('throws ValidationError with every problem', () => {
    const err = (() => {
      try {
        validator.validate({ currency: 'GBP', at: 'yesterday', extra: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors).toEqual([
      { field: 'extra', message: 'unknown field' },
      { field: 'currency', message: 'must be one of: EUR, USD' },
      { field: 'at', message: 'must match format "date-time"' },
    ]);
    expect((err as ValidationError).message).toContain('extra: unknown field');
  });

  it('reports a body of the wrong shape at the root', () => {
    expect(validator.problems([1])).toEqual([{ field: ROOT_FIELD, message: 'must be object' }]);
  });

  it('rejects a schema with a typo at compile time', () => {
    expect(() => compileValidator({ type: 'object', propertees: {} })).toThrow(/strict mode/);
  });
});

describe('compileQueryValidator', () => {
  const query = compileQueryValidator<{ q?: string; page?: number; tags?: string[] }>({
    type: 'object',
    properties: {
      q: { type: 'string' },
      page: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' } },
    },
  });
  const fields = (raw: Record<string, string | string[]>) => query.problems(raw).map((p) => p.field);

  it('coerces and keeps repeatable parameters as arrays', () => {
    expect(query.validate({ q: 'price $5', page: '3', tags: ['a', 'b'] })).toEqual({
      q: 'price $5',
      page: 3,
      tags: ['a', 'b'],
    });
  });

  it.each([
    [{ 'q[$ne]': 'x' }, 'q[$ne]'],
    [{ 'q[]': 'x' }, 'q[]'],
    [{ $where: '1' }, '$where'],
    [{ 'q.$gt': '' }, 'q.$gt'],
    [{ q: '$regex' }, 'q'],
    [{ q: '{"$gt": ""}' }, 'q'],
    [{ q: ['a', 'b'] }, 'q'],
    [{ unknown: 'x' }, 'unknown'],
    [{ page: '1.5' }, 'page'],
  ])('rejects %j', (raw, field) => {
    expect(fields(raw)).toEqual([field]);
  });
});

describe('findJsonSyntaxProblem', () => {
  it.each([
    ['{"a":}', 5, 'unexpected "}", expected a value'],
    ['{"a":1', 6, "unexpected end of input, expected ',' or '}'"],
    ["{'a':1}", 1, 'unexpected "\'", expected a property name in double quotes'],
    ['[1,2] x', 6, 'unexpected "x" after the JSON value'],
    ['{"a":"\\q"}', 6, 'invalid escape "q"'],
    ['{"a": tru}', 6, 'unexpected "t", expected a value'],
    ['{"a": 01}', 7, "unexpected \"1\", expected ',' or '}'"],
    ['', 0, 'unexpected end of input, expected a value'],
  ])('%j fails at %i', (text, position, reason) => {
    expect(findJsonSyntaxProblem(text)).toMatchObject({ position, reason });
  });

  it('accepts what JSON.parse accepts', () => {
    for (const text of ['{"a":[1,-2.5e3,true,false,null,{"b":"\\u00e9\\n"}]}', ' [] ', '"x"', '0']) {
      expect(findJsonSyntaxProblem(text)).toBeUndefined();
    }
  });

  it('survives deep nesting', () => {
    expect(findJsonSyntaxProblem('['.repeat(100_000))).toMatchObject({ position: 100_000 });
  });
});
