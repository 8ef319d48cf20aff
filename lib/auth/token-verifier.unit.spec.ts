import { generateKeyPair } from 'jose';
import { AuthenticationError } from '../errors';
import { DEFAULT_AUDIENCE, LOCAL_ISSUER } from './local-key';
import { signToken } from './sign-token';
import { createTokenVerifier } from './token-verifier';

/*
 * Verified tokens are cached by their text (an ES256 verification is ~150 µs a request); the cache
 * must never make a token live longer than its `exp`, nor accept a token it has not verified.
 */
describe('the token verifier’s cache of verified tokens', () => {
  const T0 = Date.parse('2026-06-01T12:00:00Z');
  let clock = T0;
  const setup = async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const key = { privateKey, kid: 'test' };
    const lookups = { count: 0 };
    const verifier = createTokenVerifier({
      // A key function, so the test sees each real verification.
      key: async () => {
        lookups.count += 1;
        return publicKey;
      },
      algorithms: ['ES256'],
      issuer: LOCAL_ISSUER,
      audience: DEFAULT_AUDIENCE,
      clockToleranceSeconds: 30,
      now: () => clock,
    });
    const sign = (subject: string, ttlSeconds: number) =>
      signToken(key, { subject, roles: ['customer'], ttlSeconds, now: Math.floor(clock / 1000) });
    return { verifier, sign, lookups };
  };
  beforeEach(() => (clock = T0));

  it('answers a token it verified with the same principal', async () => {
    const { verifier, sign, lookups } = await setup();
    const token = await sign('c-1', 600);
    expect(await verifier.verify(token)).toEqual({ subject: 'c-1', roles: ['customer'] });
    clock += 60_000;
    expect(await verifier.verify(token)).toEqual({ subject: 'c-1', roles: ['customer'] });
    expect(lookups.count).toBe(1);
    // Past the cache's own time to live, the token is verified again.
    clock += 300_000;
    expect(await verifier.verify(token)).toEqual({ subject: 'c-1', roles: ['customer'] });
    expect(lookups.count).toBe(2);
  });

  it('refuses a cached token once it has expired (past the clock tolerance)', async () => {
    const { verifier, sign } = await setup();
    const token = await sign('c-2', 60);
    await verifier.verify(token);
    clock += 60_000 + 29_000;
    expect(await verifier.verify(token)).toMatchObject({ subject: 'c-2' });
    clock += 2_000;
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('never takes a tampered token for the cached one', async () => {
    const { verifier, sign, lookups } = await setup();
    const token = await sign('c-3', 600);
    await verifier.verify(token);
    expect(lookups.count).toBe(1);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = `${header}.${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['admin'] }),
    ).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(AuthenticationError);
    expect(lookups.count).toBe(2);
  });
});
