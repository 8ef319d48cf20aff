import { Type, type Static } from '@sinclair/typebox';
import { Id, Instant, IntegerIn, OneOf, Tagged, Text, commandSchema } from '../command-schema';
import { NOTIFICATION_CHANNELS } from './templates';

/*
 * Each notification command is one schema (see ../command-schema.ts): the decider validates
 * commands from Kafka with it (and with validate-command.ts's rules for what a schema cannot
 * say), the command API derives the receipt body from it, and the types below are `Static` of it.
 */

/** A provider's own words (a reference, a reason): never blank. */
const ProviderText = () => Text(2000);

/** What the provider answered; `attempts` counts the runtime's tries behind this one outcome. */
export const SendOutcomeSchema = Tagged('status', [
  Type.Object({
    status: Type.Literal('sent'),
    providerRef: ProviderText(),
    attempts: IntegerIn(1, 2 ** 31 - 1),
  }),
  Type.Object({
    status: Type.Literal('failed'),
    reason: ProviderText(),
    attempts: IntegerIn(1, 2 ** 31 - 1),
  }),
]);

export const SendNotificationSchema = commandSchema('SendNotification', 'notificationId', {
  orderId: Id(),
  customerId: Id(),
  channel: OneOf(NOTIFICATION_CHANNELS),
  /** A TemplateId of templates.ts; which, and the params it needs, validate-command.ts checks. */
  template: Type.String(),
  params: Type.Record(Type.String(), Type.String()),
  /** The customer's language (their preferences); the text falls back to English without one. */
  locale: Type.Optional(Text(35)),
  /** Required exactly when `effectNeeded` says the provider must be called. */
  outcome: Type.Optional(SendOutcomeSchema),
});

/** What the provider finally did with a sent message (its receipt, relayed by its webhook). */
export const DELIVERY_STATUSES = ['delivered', 'bounced', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Records a provider's receipt for a sent notification; the same receipt again changes nothing. */
export const RecordDeliveryReceiptSchema = commandSchema('RecordDeliveryReceipt', 'notificationId', {
  status: OneOf(DELIVERY_STATUSES),
  at: Instant({ description: 'When the provider saw it happen.' }),
  reason: Type.Optional(Text(500, { description: 'Why it bounced or failed.' })),
});

export type SendOutcome = Static<typeof SendOutcomeSchema>;
export type SendNotification = Static<typeof SendNotificationSchema>;
export type RecordDeliveryReceipt = Static<typeof RecordDeliveryReceiptSchema>;

export const NOTIFICATION_COMMAND_SCHEMAS = [SendNotificationSchema, RecordDeliveryReceiptSchema] as const;

export type NotificationCommand = Static<(typeof NOTIFICATION_COMMAND_SCHEMAS)[number]>;
