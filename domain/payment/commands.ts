import { Type, type Static } from '@sinclair/typebox';
import { CurrencyCode, MinorUnits, Tagged, Text, commandSchema } from '../command-schema';

/*
 * Each payment command is one schema (see ../command-schema.ts): the decider validates commands
 * from Kafka with it, and the types below are `Static` of it. The aggregate id is `orderId`:
 * one payment per order.
 */

/** A gateway's own words (a reference, a decline reason): long enough for any, never blank. */
const GatewayText = () => Text(2000);

/** What the payment gateway answered to a capture; the runtime fills it in before `decide`. */
export const CaptureOutcomeSchema = Tagged('status', [
  Type.Object({ status: Type.Literal('captured'), gatewayRef: GatewayText() }),
  Type.Object({ status: Type.Literal('declined'), reason: GatewayText() }),
  Type.Object({ status: Type.Literal('failed'), reason: GatewayText() }),
]);

/** What the payment gateway answered to a refund. */
export const RefundOutcomeSchema = Tagged('status', [
  Type.Object({ status: Type.Literal('refunded'), gatewayRef: GatewayText() }),
  Type.Object({ status: Type.Literal('failed'), reason: GatewayText() }),
]);

export const CapturePaymentSchema = commandSchema('CapturePayment', 'orderId', {
  amount: MinorUnits(),
  currency: CurrencyCode(),
  /** Required exactly when `effectNeeded` says the gateway must be called. */
  outcome: Type.Optional(CaptureOutcomeSchema),
});

/** Compensation. Before any capture it voids the payment, so a capture still in flight charges nothing. */
export const RefundPaymentSchema = commandSchema('RefundPayment', 'orderId', {
  reason: Text(500),
  /** Required exactly when `effectNeeded` says the gateway must be called. */
  outcome: Type.Optional(RefundOutcomeSchema),
});

export type CaptureOutcome = Static<typeof CaptureOutcomeSchema>;
export type RefundOutcome = Static<typeof RefundOutcomeSchema>;
export type CapturePayment = Static<typeof CapturePaymentSchema>;
export type RefundPayment = Static<typeof RefundPaymentSchema>;

export const PAYMENT_COMMAND_SCHEMAS = [CapturePaymentSchema, RefundPaymentSchema] as const;

export type PaymentCommand = Static<(typeof PAYMENT_COMMAND_SCHEMAS)[number]>;

export type PaymentCommandType = PaymentCommand['type'];
