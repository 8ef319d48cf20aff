import { readFile } from 'node:fs/promises';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  importJWK,
  importSPKI,
  jwtVerify,
  type JWK,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { ConfigError } from '../errors';
import { AuthenticationError } from '../errors';
import { isRole, type Principal } from './principal';

/** Turns a bearer token into a principal, or throws AuthenticationError (never anything else). */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Asymmetric algorithms only: a shared secret would let every verifier mint tokens, `none` anyone. */
export const ALLOWED_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'];

export interface VerifierSettings {
  key: KeyLike | Uint8Array | JWTVerifyGetKey;
  algorithms: readonly string[];
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /**
   * Tokens verified recently, by their text: a client sends the same token with every request,
   * and an ES256 verification costs ~150 µs of CPU. A cached token is still refused once expired;
   * one signed by a key since removed from a JWKS is accepted until `cacheTtlMs` passes. 0: off.
   */
  cacheEntries?: number;
  cacheTtlMs?: number;
  now?: () => number;
}

/** A subject becomes a customerId on commands and events, so it is held to the id alphabet. */
const SUBJECT = /^[A-Za-z0-9._:-]{1,64}$/;

export function createTokenVerifier(settings: VerifierSettings): TokenVerifier {
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: [...settings.algorithms],
    clockTolerance: settings.clockToleranceSeconds,
    requiredClaims: ['sub', 'exp'],
  };
  const now = settings.now ?? Date.now;
  const entries = settings.cacheEntries ?? 10_000;
  const verified =
    entries > 0
      ? new LRUCache<string, { principal: Principal; expiresAtMs: number }>({
          max: entries,
          ttl: settings.cacheTtlMs ?? 300_000,
          ttlAutopurge: false,
          // Read the clock on every lookup (an injected one moves between calls in tests).
          ttlResolution: 0,
          perf: { now },
        })
      : undefined;
  const toleranceMs = settings.clockToleranceSeconds * 1000;

  const verifyNow = async (token: string): Promise<{ principal: Principal; expiresAtMs: number }> => {
    let payload;
    try {
      // Two call shapes in jose's types (key or key function); both are the same call at runtime.
      const at = { ...options, currentDate: new Date(now()) };
      payload =
        typeof settings.key === 'function'
          ? (await jwtVerify(token, settings.key, at)).payload
          : (await jwtVerify(token, settings.key, at)).payload;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) {
        throw new AuthenticationError(`the bearer token was refused (${err.code})`, true);
      }
      throw err;
    }
    const subject = payload.sub ?? '';
    if (!SUBJECT.test(subject)) {
      throw new AuthenticationError(
        'the token subject must be 1 to 64 characters of A-Z a-z 0-9 . _ : -',
        true,
      );
    }
    const claimed: unknown = payload.roles;
    const roles = Array.isArray(claimed) ? claimed.filter(isRole) : [];
    // `exp` is a required claim: jwtVerify refused the token without one.
    return { principal: { subject, roles: [...new Set(roles)] }, expiresAtMs: (payload.exp ?? 0) * 1000 };
  };

  return {
    async verify(token) {
      const cached = verified?.get(token);
      if (cached && now() < cached.expiresAtMs + toleranceMs) return cached.principal;
      if (cached) verified?.delete(token);
      const fresh = await verifyNow(token);
      verified?.set(token, fresh);
      return fresh.principal;
    },
  };
}

/** A key file: PEM (SPKI, `-----BEGIN PUBLIC KEY-----`) or a public JWK as JSON. */
export async function readPublicKeyFile(
  path: string,
  algorithms: readonly string[],
): Promise<KeyLike | Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('AUTH_PUBLIC_KEY_FILE', `cannot read ${path}: ${(err as Error).message}`);
  }
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JWK;
      if ('d' in jwk) throw new Error('the file holds a private key; give the public half only');
      const alg = jwk.alg ?? algorithms[0] ?? 'ES256';
      if (!algorithms.includes(alg)) throw new Error(`the key's alg ${alg} is not in AUTH_ALGORITHMS`);
      return await importJWK(jwk, alg);
    }
    return await importSPKI(trimmed, algorithms[0] ?? 'ES256');
  } catch (err) {
    throw new ConfigError('AUTH_PUBLIC_KEY_FILE', `not a usable public key: ${(err as Error).message}`);
  }
}

export const remoteKeySet = (url: string): JWTVerifyGetKey =>
  createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000 });
