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
  return {
    async verify(token) {
      let payload;
      try {
        // Two call shapes in jose's types (key or key function); both are the same call at runtime.
        payload =
          typeof settings.key === 'function'
            ? (await jwtVerify(token, settings.key, options)).payload
            : (await jwtVerify(token, settings.key, options)).payload;
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
      return { subject, roles: [...new Set(roles)] };
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
