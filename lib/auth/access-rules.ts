import type { Role } from './principal';

/** Who may call a route: anyone, any verified token, or a token with one of the roles. */
export type Access =
  { kind: 'public' } | { kind: 'authenticated' } | { kind: 'roles'; roles: readonly Role[] };

/**
 * Rate limits are counted per client and per group, so a burst of queries cannot starve commands.
 * Webhooks are a provider's integration, one client sending as fast as messages go out (a few
 * receipts per order), so they have a budget of their own rather than one customer's.
 */
export type RouteGroup = 'commands' | 'queries' | 'admin' | 'webhooks';

export interface AccessRule {
  /** Any method when absent. */
  methods?: readonly string[];
  path: RegExp;
  access: Access;
  /** Unlimited when absent (probes, metrics, documents). */
  group?: RouteGroup;
}

const PUBLIC: Access = { kind: 'public' };
const AUTHENTICATED: Access = { kind: 'authenticated' };
const roles = (...allowed: Role[]): Access => ({ kind: 'roles', roles: allowed });

/**
 * Who may call what (DESIGN §11), as a table read top to bottom; the first rule whose method and
 * path match decides. Ownership (a customer's own orders) is checked where the order is known:
 * by the routes for reads, by the command processor for commands.
 */
export const ACCESS_RULES: readonly AccessRule[] = [
  { path: /^\/health(\/|$)/, access: PUBLIC },
  { path: /^\/metrics$/, access: PUBLIC },
  { path: /^\/(openapi\.json|docs)$/, access: PUBLIC },
  // The console's page and scripts; everything it shows comes from routes that need a token.
  { methods: ['GET', 'HEAD'], path: /^\/console(\/|$)/, access: PUBLIC },
  // The shop catalogue is what a visitor browses before signing in.
  { methods: ['GET', 'HEAD'], path: /^\/api\/products(\/|$)/, access: PUBLIC, group: 'queries' },
  {
    path: /^\/api\/(admin|diagnostics|resilience|deadletters)(\/|$)/,
    access: roles('admin'),
    group: 'admin',
  },
  { path: /^\/api\/commands\/inventory(\/|$)/, access: roles('operator', 'admin'), group: 'commands' },
  // Providers' delivery receipts, relayed by a service token.
  {
    methods: ['POST'],
    path: /^\/api\/commands\/notifications\/[^/]+\/receipt$/,
    access: roles('operator', 'admin'),
    group: 'webhooks',
  },
  { path: /^\/api\/commands\/notifications(\/|$)/, access: roles('operator', 'admin'), group: 'commands' },
  { path: /^\/api\/commands\/status\//, access: AUTHENTICATED, group: 'commands' },
  // A customer's own preferences (the route checks whose); an admin's on their behalf.
  { path: /^\/api\/commands\/customers(\/|$)/, access: roles('customer', 'admin'), group: 'commands' },
  { path: /^\/api\/commands\/orders(\/|$)/, access: roles('customer', 'admin'), group: 'commands' },
  // Every customer's orders as they move: for the console, not for customers.
  { path: /^\/api\/queries\/feed$/, access: roles('operator', 'admin'), group: 'queries' },
  { path: /^\/api\/queries\/inventory(\/|$)/, access: roles('operator', 'admin'), group: 'queries' },
  { path: /^\/api\/queries(\/|$)/, access: roles('customer', 'operator', 'admin'), group: 'queries' },
];

/** Everything the table does not name needs a valid token. */
const FALLBACK: AccessRule = { path: /^/, access: AUTHENTICATED };

export const ruleFor = (
  method: string,
  path: string,
  rules: readonly AccessRule[] = ACCESS_RULES,
): AccessRule =>
  rules.find(
    (rule) => (rule.methods === undefined || rule.methods.includes(method)) && rule.path.test(path),
  ) ?? FALLBACK;
