import type { Static } from '@sinclair/typebox';
import type { OrderLineSchema } from './commands';
/**
 * Money is carried as integer minor units (cents for EUR/USD) in a `number` so sums are exact;
 * a value is always paired with the order's ISO 4217 `currency`. Fields keep the names the
 * HTTP view uses (`unitPrice`, `totalAmount`) and this alias documents the unit.
 */
export type MinorUnits = number;

/** Its schema is the commands' (OrderLineSchema): quantity from 1 to {@link MAX_LINE_QUANTITY}. */
export type OrderLine = Static<typeof OrderLineSchema>;

export const MAX_LINE_QUANTITY = 1000;

export const lineTotal = (line: OrderLine): MinorUnits => line.quantity * line.unitPrice;

export const orderTotal = (lines: readonly OrderLine[]): MinorUnits =>
  lines.reduce((sum, line) => sum + lineTotal(line), 0);
