/** The pasted bearer token, kept for the browser tab only (sessionStorage), and what it says. */
const KEY = 'orderstream.console.token';

export interface Identity {
  subject: string;
  roles: string[];
  expiresAt?: Date;
}

export const token = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;

/** The token's claims, read without verifying: the services verify; this only labels the page. */
export function identity(value = token()): Identity | undefined {
  const payload = value?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: string;
      roles?: unknown;
      exp?: number;
    };
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return {
      subject: claims.sub ?? '?',
      roles,
      ...(claims.exp ? { expiresAt: new Date(claims.exp * 1000) } : {}),
    };
  } catch {
    return undefined;
  }
}

export const signIn = (value: string): Identity | undefined => {
  const who = identity(value.trim());
  if (who) sessionStorage.setItem(KEY, value.trim());
  return who;
};

export const signOut = (): void => sessionStorage.removeItem(KEY);

export const hasRole = (...roles: string[]): boolean =>
  (identity()?.roles ?? []).some((role) => roles.includes(role));
