import type { Context, Middleware } from 'koa';
import { ruleFor, type AccessRule } from '../auth/access-rules';
import type { Principal } from '../auth/principal';
import type { TokenVerifier } from '../auth/token-verifier';
import { AuthenticationError, ForbiddenError } from '../errors';

/** What the access middlewares learn about a request, in `ctx.state.access`. */
export interface AccessState {
  rule: AccessRule;
  principal?: Principal;
  /** A presented token that failed verification; thrown by `authorize` after rate limiting. */
  refused?: AuthenticationError;
}

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

export const accessOf = (ctx: Context): AccessState | undefined =>
  ctx.state.access as AccessState | undefined;

/** The verified caller, set by `authenticate`; undefined on public routes without a token and in open apps. */
export const principalOf = (ctx: Context): Principal | undefined =>
  ctx.state.principal as Principal | undefined;

/**
 * Reads and verifies the bearer token, if any, and finds the route's access rule. It does not
 * refuse anything itself, so the rate limiter after it counts refused requests too (keyed by IP):
 * guessing tokens costs budget like any other request.
 */
export function authenticate(verifier: TokenVerifier): Middleware {
  return async (ctx, next) => {
    const state: AccessState = { rule: ruleFor(ctx.method, ctx.path) };
    const header = ctx.get('Authorization');
    if (header !== '') {
      const match = BEARER.exec(header);
      if (!match?.[1]) {
        state.refused = new AuthenticationError('the Authorization header must be "Bearer <token>"', true);
      } else {
        try {
          state.principal = await verifier.verify(match[1]);
          ctx.state.principal = state.principal;
        } catch (err) {
          if (!(err instanceof AuthenticationError)) throw err;
          state.refused = err;
        }
      }
    }
    ctx.state.access = state;
    await next();
  };
}

/** Applies the route's rule: 401 without a valid token where one is needed, 403 for the wrong role. */
export function authorize(): Middleware {
  return async (ctx, next) => {
    const state = accessOf(ctx);
    if (!state) throw new Error('authorize() needs authenticate() before it');
    const { access } = state.rule;
    // Public routes ignore the token, good or bad: a probe or a shop visitor is never refused for it.
    if (access.kind === 'public') return next();
    if (state.refused) throw state.refused;
    if (!state.principal) throw new AuthenticationError('this route needs a bearer token', false);
    if (access.kind === 'roles' && !state.principal.roles.some((role) => access.roles.includes(role))) {
      throw new ForbiddenError(`this route needs one of the roles ${access.roles.join(', ')}`);
    }
    await next();
  };
}
