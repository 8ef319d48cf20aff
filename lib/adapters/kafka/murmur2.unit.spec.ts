import { aggregateIdOfEventKey, murmur2, partitionForKey, toPositive } from './murmur2';

// Vectors from Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils).
const JAVA_VECTORS: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('murmur2', () => {
  it.each(JAVA_VECTORS)('murmur2(%j) = %i, as Java computes it', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  it('covers every tail length (0 to 3 trailing bytes) and stays a signed 32-bit int', () => {
    for (const input of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'ünïcødé']) {
      const h = murmur2(Buffer.from(input));
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(-(2 ** 31));
      expect(h).toBeLessThan(2 ** 31);
    }
    // Java: Utils.murmur2(new byte[0]) is the mixed seed alone.
    expect(murmur2(Buffer.alloc(0))).toBe(275646681);
  });

  it('hashes bytes, not characters', () => {
    expect(murmur2(Buffer.from('é', 'utf8'))).not.toBe(murmur2(Buffer.from('é', 'latin1')));
  });
});

describe('toPositive', () => {
  it('clears the sign bit like Java, rather than negating', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-(2 ** 31))).toBe(0);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
    expect(toPositive(479470107)).toBe(479470107);
  });
});

describe('partitionForKey', () => {
  it('is toPositive(murmur2(utf8 id)) modulo the partition count', () => {
    expect(partitionForKey('foobar', 12)).toBe((-790332482 & 0x7fffffff) % 12);
    expect(partitionForKey('abc', 7)).toBe(479470107 % 7);
  });

  it('refuses a non-positive partition count', () => {
    expect(() => partitionForKey('abc', 0)).toThrow(RangeError);
  });
});

describe('aggregateIdOfEventKey', () => {
  it.each([
    ['order-1:7', 'order-1'],
    ['tenant:eu:order-1:12', 'tenant:eu:order-1'],
    ['order-1', 'order-1'],
    [':3', ''],
  ])('%j → %j', (key, id) => {
    expect(aggregateIdOfEventKey(key)).toBe(id);
  });
});
