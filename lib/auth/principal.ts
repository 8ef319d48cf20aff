/** The roles a token may carry in its `roles` claim (DESIGN §11). */
export const ROLES = ['customer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => (ROLES as readonly unknown[]).includes(value);

/** Who is calling, from a verified token: `sub` and the known roles of its `roles` claim. */
export interface Principal {
  subject: string;
  roles: readonly Role[];
}

/**
 * The customer whose orders alone this principal may see and change: its subject when it is a
 * customer and nothing more. Operators and admins see every order (undefined), and so does a
 * service that runs without authentication (no principal: simulators, route unit tests).
 */
export function ownOrdersOnly(principal: Principal | undefined): string | undefined {
  if (principal === undefined) return undefined;
  if (principal.roles.includes('admin') || principal.roles.includes('operator')) return undefined;
  return principal.subject;
}

export const isAdmin = (principal: Principal | undefined): boolean =>
  principal === undefined || principal.roles.includes('admin');
