import type { CancellationReasonCode } from '../domain/order/events';

/** A decoded Avro record, before it is narrowed to an OrderEvent by the codec. */
export type AvroData = Record<string, unknown>;

/**
 * Fixes what Avro resolution cannot express. The upcaster keyed `<EventType>@v<N>` runs for every
 * record written with version N or earlier, in ascending key order, receiving the data resolved
 * to the latest schema (with earlier upcasters already applied) and the raw record as written.
 * It must therefore cope with a writer record of any version up to N.
 */
export type Upcaster = (resolved: AvroData, writer: AvroData) => AvroData;

export const upcasterKey = (eventType: string, writerVersion: number): string =>
  `${eventType}@v${writerVersion}`;

// Order matters: the first match wins, so "payment declined by customer" is a payment failure.
const REASON_PATTERNS: readonly [RegExp, CancellationReasonCode][] = [
  [/stock/i, 'OUT_OF_STOCK'],
  [/payment|declin/i, 'PAYMENT_FAILED'],
  [/ship|carrier/i, 'SHIPMENT_FAILED'],
  [/deadline|timeout|expired/i, 'DEADLINE_EXCEEDED'],
  [/customer/i, 'CUSTOMER_REQUEST'],
];

/** Derives the v2 reason code from the free text that was all v1 recorded. */
export const reasonCodeFromText = (reason: string): CancellationReasonCode =>
  REASON_PATTERNS.find(([pattern]) => pattern.test(reason))?.[1] ?? 'OTHER';

export const ORDER_UPCASTERS: Readonly<Record<string, Upcaster>> = {
  // v2 added reasonCode; resolution would default every v1 record to OTHER.
  [upcasterKey('OrderCancelled', 1)]: (resolved, writer) => ({
    ...resolved,
    reasonCode: reasonCodeFromText(typeof writer.reason === 'string' ? writer.reason : ''),
  }),
};

const KEY = /^(.+)@v([1-9][0-9]*)$/;

/** Applies, in version order, every upcaster of `eventType` keyed at `writerVersion` or later. */
export const upcast = (
  eventType: string,
  writerVersion: number,
  resolvedData: AvroData,
  writerData: AvroData,
  upcasters: Readonly<Record<string, Upcaster>> = ORDER_UPCASTERS,
): AvroData =>
  Object.entries(upcasters)
    .flatMap(([key, upcaster]) => {
      const match = KEY.exec(key);
      return match?.[1] === eventType && Number(match[2]) >= writerVersion
        ? [{ version: Number(match[2]), upcaster }]
        : [];
    })
    .sort((a, b) => a.version - b.version)
    .reduce((data, { upcaster }) => upcaster(data, writerData), resolvedData);
