import {
  Type,
  type SchemaOptions,
  type TInteger,
  type TLiteral,
  type TObject,
  type TOptional,
  type Static,
  type TProperties,
  type TString,
  type TUnsafe,
} from '@sinclair/typebox';
import { idSchema } from './ids';
import { MAX_LINE_QUANTITY } from './order/money';

/*
 * The building blocks of every command's schema. A command is written once, as a TypeBox
 * schema: it is the JSON Schema that the domain validates commands from Kafka with, the one the
 * HTTP edge derives its request bodies from (and documents in OpenAPI), and, through `Static`,
 * the command's TypeScript type. So the edge, the domain and the type cannot disagree.
 */

/**
 * The largest integer an event can carry: amounts and counts are Avro `long`s, which avsc writes
 * from a JavaScript number only up to 2^53 − 2. A command that passes its schema must encode, so
 * schemas/command-bounds.unit.spec.ts holds every integer here to the .avsc fields it becomes.
 */
export const MAX_EVENT_INTEGER = 2 ** 53 - 2;

/** An id: order, SKU, customer… (the rule is domain/ids.ts). */
export const Id = (options?: SchemaOptions): TString => Type.String({ ...idSchema, ...options });

/** Text a person reads: not blank (the pattern also refuses ""), bounded by `maxLength`. */
export const Text = (maxLength: number, options?: SchemaOptions): TString =>
  Type.String({ maxLength, pattern: '\\S', description: 'Must not be blank.', ...options });

/** An integer in [minimum, maximum]. */
export const IntegerIn = (minimum: number, maximum: number, options?: SchemaOptions): TInteger =>
  Type.Integer({ minimum, maximum, ...options });

/** Money as integer minor units (cents for EUR), never a fraction. */
export const MinorUnits = (options?: SchemaOptions): TInteger =>
  IntegerIn(0, MAX_EVENT_INTEGER, { description: 'Integer minor units (cents).', ...options });

/** Units of one order line. */
export const LineQuantity = (options?: SchemaOptions): TInteger => IntegerIn(1, MAX_LINE_QUANTITY, options);

/** An ISO 4217 code such as "EUR". */
export const CurrencyCode = (options?: SchemaOptions): TString =>
  Type.String({ pattern: '^[A-Z]{3}$', maxLength: 3, ...options });

/** An ISO-8601 date-time with an offset, e.g. 2030-01-01T12:00:00Z. */
export const Instant = (options?: SchemaOptions): TString =>
  Type.String({ format: 'date-time', maxLength: 40, ...options });

/** One of a fixed set of strings, as `enum` (one "must be one of" problem, not one per value). */
export const OneOf = <const T extends string>(values: readonly T[], options?: SchemaOptions): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/**
 * One of several object shapes told apart by the string field `tag` (e.g. an outcome's
 * `status`). As a discriminated `oneOf`, a value is checked against the one variant its tag
 * names, and a problem is reported once, at its field (`outcome.gatewayRef`).
 */
export const Tagged = <Variants extends TObject[]>(
  tag: string,
  variants: [...Variants],
  options?: SchemaOptions,
): TUnsafe<Static<Variants[number]>> =>
  Type.Unsafe<Static<Variants[number]>>({
    type: 'object',
    discriminator: { propertyName: tag },
    oneOf: variants,
    ...options,
  });

export const ExpectedVersion = (options?: SchemaOptions): TInteger =>
  IntegerIn(0, Number.MAX_SAFE_INTEGER, options);

/** Not blank; for values our own services set (ids of commands and correlations), not people. */
const NonBlank = (): TString => Type.String({ pattern: '\\S' });

/** Who issued a command and when; set by whoever sends it (the command API, the saga), never by a client. */
export const CommandMetaSchema = Type.Object({
  commandId: NonBlank(),
  correlationId: NonBlank(),
  causationId: Type.Optional(NonBlank()),
  /** The only clock the domain sees (events copy it). */
  issuedAt: Instant({ description: 'ISO-8601 instant the command was issued; events copy it.' }),
  /**
   * The customer who issued the command, when the actor is a customer (from their token). A
   * command on someone else's order is answered as if the order did not exist; absent for
   * admins and for the saga, who may act on any order.
   */
  customerId: Type.Optional(NonBlank()),
});

type Envelope<Type extends string, IdField extends string> = {
  type: TLiteral<Type>;
  expectedVersion: TOptional<TInteger>;
  meta: typeof CommandMetaSchema;
} & { [K in IdField]: TString };

/**
 * A command's schema: its `type`, the aggregate id under `idField`, the optional expectedVersion
 * (checked by the command processor against the stored version, never by the decider), `meta`,
 * and its own `fields`. Unknown fields are allowed: a newer sender may add one.
 */
export const commandSchema = <
  const CommandType extends string,
  const IdField extends string,
  Fields extends TProperties,
>(
  type: CommandType,
  idField: IdField,
  fields: Fields,
): TObject<Envelope<CommandType, IdField> & Fields> =>
  Type.Object({
    type: Type.Literal(type),
    [idField]: Id(),
    expectedVersion: Type.Optional(ExpectedVersion()),
    meta: CommandMetaSchema,
    ...fields,
  } as Envelope<CommandType, IdField> & Fields);
