import { SignJWT } from 'jose';
import { DEFAULT_AUDIENCE, LOCAL_ISSUER, LOCAL_KEY_ALGORITHM, type LocalKeyPair } from './local-key';
import type { Role } from './principal';

export interface TokenRequest {
  subject: string;
  roles: readonly Role[];
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch; tests move it to make expired tokens. */
  now?: number;
}

/** Signs a token with the local key: for `npm run token`, the demo, benchmarks and tests. */
export function signToken(
  key: Pick<LocalKeyPair, 'privateKey' | 'kid'>,
  request: TokenRequest,
): Promise<string> {
  const now = request.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: [...request.roles] })
    .setProtectedHeader({ alg: LOCAL_KEY_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(request.issuer ?? LOCAL_ISSUER)
    .setAudience(request.audience ?? DEFAULT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (request.ttlSeconds ?? 3600))
    .sign(key.privateKey);
}
