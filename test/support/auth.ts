import type { TokenVerifier } from '../../lib/auth/token-verifier';
import { loadLocalKeyPair, localKeyVerifier, type LocalKeyPair } from '../../lib/auth/local-key';
import type { Role } from '../../lib/auth/principal';
import { signToken, type TokenRequest } from '../../lib/auth/sign-token';

/**
 * Tokens for tests, signed with the same local development key the servers verify with (the one
 * `npm start` and `npm run token` use), so a test drives a server exactly as a client would.
 */
export interface TestAuth {
  key: LocalKeyPair;
  /** What services built in-process verify with: the local key, default issuer and audience. */
  verifier: TokenVerifier;
  token(roles: Role | readonly Role[], subject?: string, extra?: Partial<TokenRequest>): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for fetch. */
  headers(roles: Role | readonly Role[], subject?: string): Promise<Record<string, string>>;
}

let shared: Promise<TestAuth> | undefined;

export function testAuth(): Promise<TestAuth> {
  shared ??= (async () => {
    const key = await loadLocalKeyPair();
    const token: TestAuth['token'] = (roles, subject, extra = {}) =>
      signToken(key, {
        subject: subject ?? (typeof roles === 'string' ? `test-${roles}` : 'test-user'),
        roles: typeof roles === 'string' ? [roles] : roles,
        ...extra,
      });
    return {
      key,
      verifier: localKeyVerifier(key),
      token,
      headers: async (roles, subject) => ({ authorization: `Bearer ${await token(roles, subject)}` }),
    };
  })();
  return shared;
}

/** A fetch that sends a fresh token for `roles` unless the request carries its own Authorization. */
export const fetchAs =
  (roles: Role | readonly Role[], subject?: string): typeof fetch =>
  async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) {
      headers.set('authorization', `Bearer ${await (await testAuth()).token(roles, subject)}`);
    }
    return fetch(input, { ...init, headers });
  };

/** Most route tests act as an admin, who may do everything; access tests choose their roles. */
export const fetchAsAdmin = fetchAs('admin');
