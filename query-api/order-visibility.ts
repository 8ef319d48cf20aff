import type { Context } from 'koa';
import { ownOrdersOnly } from '../lib/auth/principal';
import { ForbiddenError } from '../lib/errors';
import { principalOf } from '../lib/http/access-control';

/**
 * A customer reads only their own orders. Someone else's order is answered exactly like an id
 * that never existed (404), so ids cannot be probed; staff roles see every order.
 */
export function visibleOrder<T extends { customerId: string }>(
  ctx: Context,
  doc: T | undefined,
): T | undefined {
  const own = ownOrdersOnly(principalOf(ctx));
  // The answer depends on who asks: no cache may hand one caller's view to another.
  ctx.vary('Authorization');
  return doc && (own === undefined || doc.customerId === own) ? doc : undefined;
}

/** The customer filter of an order list: a customer's list is always their own. */
export function listedCustomer(ctx: Context, requested: string | undefined): string | undefined {
  const own = ownOrdersOnly(principalOf(ctx));
  if (own === undefined) return requested;
  if (requested !== undefined && requested !== own) {
    throw new ForbiddenError('a customer lists only their own orders; leave customerId out or use your own');
  }
  return own;
}

/**
 * Whether the caller may see something that belongs to an order (its payment, its shipment):
 * staff always; a customer only when the order is theirs, asked of `customerOf` only then.
 */
export async function orderPartVisible(
  ctx: Context,
  customerOf: () => Promise<string | undefined>,
): Promise<boolean> {
  const own = ownOrdersOnly(principalOf(ctx));
  ctx.vary('Authorization');
  return own === undefined || (await customerOf()) === own;
}
