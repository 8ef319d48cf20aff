import { ConfigError, InvalidConfigError } from '../errors';
import { envVar, readConfig } from './env';

const spec = {
  PORT: envVar.port({ default: 8081 }),
  KAFKA_BROKERS: envVar.list(),
  SCHEMA_REGISTRY_URL: envVar.url({ protocols: ['http:', 'https:'] }),
  LOG_LEVEL: envVar.oneOf(['debug', 'info', 'warn'] as const)({ default: 'info' }),
  CACHE_ENABLED: envVar.bool({ default: true }),
  REPLY_TIMEOUT_MS: envVar.int({ min: 100, max: 60_000, default: 5000 }),
  INSTANCE_NAME: envVar.string({ required: false }),
  MONGODB_PASSWORD: envVar.string({ required: false, secret: true, minLength: 8 }),
};

const valid = { KAFKA_BROKERS: 'a:9092, b:9092,', SCHEMA_REGISTRY_URL: 'http://localhost:8085' };

const problemsOf = (env: Record<string, string>) => {
  try {
    readConfig(env, spec);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as InvalidConfigError).problems;
  }
  throw new Error('expected readConfig to throw');
};

describe('readConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = readConfig(valid, spec);
    expect(config).toEqual({
      PORT: 8081,
      KAFKA_BROKERS: ['a:9092', 'b:9092'],
      SCHEMA_REGISTRY_URL: 'http://localhost:8085',
      LOG_LEVEL: 'info',
      CACHE_ENABLED: true,
      REPLY_TIMEOUT_MS: 5000,
      INSTANCE_NAME: undefined,
      MONGODB_PASSWORD: undefined,
    });
    // Compile-time checks that the result types follow the spec.
    const port: number = config.PORT;
    const level: 'debug' | 'info' | 'warn' = config.LOG_LEVEL;
    const name: string | undefined = config.INSTANCE_NAME;
    expect([port, level, name]).toEqual([8081, 'info', undefined]);
  });

  it('parses every kind', () => {
    const config = readConfig(
      {
        ...valid,
        PORT: '9100',
        LOG_LEVEL: 'debug',
        CACHE_ENABLED: 'OFF',
        REPLY_TIMEOUT_MS: '100',
        INSTANCE_NAME: 'p-1',
      },
      spec,
    );
    expect(config).toMatchObject({
      PORT: 9100,
      LOG_LEVEL: 'debug',
      CACHE_ENABLED: false,
      REPLY_TIMEOUT_MS: 100,
    });
    expect(config.INSTANCE_NAME).toBe('p-1');
  });

  it('collects every problem and names each variable', () => {
    const problems = problemsOf({
      PORT: 'abc',
      SCHEMA_REGISTRY_URL: 'ftp://x',
      LOG_LEVEL: 'loud',
      CACHE_ENABLED: 'maybe',
      REPLY_TIMEOUT_MS: '99',
    });
    expect(problems).toEqual([
      { variable: 'PORT', message: 'must be an integer between 1 and 65535, got "abc"' },
      { variable: 'KAFKA_BROKERS', message: 'is required but not set' },
      {
        variable: 'SCHEMA_REGISTRY_URL',
        message: 'must be a URL with protocol http: or https:, got "ftp://x"',
      },
      { variable: 'LOG_LEVEL', message: 'must be one of debug, info, warn, got "loud"' },
      {
        variable: 'CACHE_ENABLED',
        message: 'must be one of true, false, 1, 0, yes, no, on, off, got "maybe"',
      },
      { variable: 'REPLY_TIMEOUT_MS', message: 'must be an integer between 100 and 60000, got "99"' },
    ]);
  });

  it('puts every problem in the message', () => {
    expect(() => readConfig({ PORT: '70000' }, spec)).toThrow(
      /invalid configuration:\n {2}PORT: must be an integer between 1 and 65535, got "70000"\n {2}KAFKA_BROKERS: is required/,
    );
  });

  it.each(['1.5', '1e3', '0x10', '-1', '0', '65536', '80 80'])('refuses %j as a port', (raw) => {
    expect(problemsOf({ ...valid, PORT: raw }).map((p) => p.variable)).toEqual(['PORT']);
  });

  it('treats an empty or blank value as unset', () => {
    expect(readConfig({ ...valid, PORT: '' }, spec).PORT).toBe(8081);
    expect(readConfig({ ...valid, PORT: '  ' }, spec).PORT).toBe(8081);
    expect(problemsOf({ ...valid, KAFKA_BROKERS: '' })).toEqual([
      { variable: 'KAFKA_BROKERS', message: 'is required but not set' },
    ]);
  });

  it('never prints a secret', () => {
    const [problem] = problemsOf({ ...valid, MONGODB_PASSWORD: 'short' });
    expect(problem).toEqual({
      variable: 'MONGODB_PASSWORD',
      message: 'must be at least 8 characters, got <redacted>',
    });
  });

  it('rejects a list with no items', () => {
    expect(problemsOf({ ...valid, KAFKA_BROKERS: ' , ' })[0]?.message).toMatch(
      /^must be a list of at least 1/,
    );
  });
});
