import { ValidationError } from '../../lib/errors';
import { parseIfMatch, resolveExpectedVersion } from './expected-version';

describe('parseIfMatch', () => {
  it.each([
    ['"3"', 3],
    ['W/"3"', 3],
    ['3', 3],
    [' "12" ', 12],
    ['"0"', 0],
  ])('reads %s as version %d', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it.each([undefined, '', '*'])('asks for no particular version when the header is %p', (header) => {
    expect(parseIfMatch(header)).toBeUndefined();
  });

  it.each(['"abc"', '"3", "4"', 'W/3x', '-1', '"3', '99999999999999999'])(
    'refuses %s, naming If-Match',
    (header) => {
      let caught: unknown;
      try {
        parseIfMatch(header);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).errors).toEqual([
        { field: 'If-Match', message: 'must be one version tag such as "3"' },
      ]);
    },
  );
});

describe('resolveExpectedVersion', () => {
  it('takes the body, the header, or both when they agree', () => {
    expect(resolveExpectedVersion(2, undefined)).toBe(2);
    expect(resolveExpectedVersion(undefined, 'W/"5"')).toBe(5);
    expect(resolveExpectedVersion(4, '"4"')).toBe(4);
    expect(resolveExpectedVersion(undefined, '')).toBeUndefined();
  });

  it('refuses a body and a header that disagree, naming expectedVersion', () => {
    expect(() => resolveExpectedVersion(2, '"3"')).toThrow(ValidationError);
    try {
      resolveExpectedVersion(2, '"3"');
    } catch (err) {
      expect((err as ValidationError).errors[0]?.field).toBe('expectedVersion');
    }
  });
});
