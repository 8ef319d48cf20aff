import { isOrderEventType, type OrderEvent } from '../domain/order/events';
import { ValidationError } from '../lib/errors';
import { findSchema, latestSchema } from './catalog';
import { checkedToBuffer } from './generic-event-serde';
import { fromAvroRecord, toAvroRecord } from './order-event-codec';
import { upcast, type AvroData } from './upcasters';

/**
 * The read path of G5 in one place: decode with the writer's schema, resolve to the latest,
 * upcast by writer version, narrow to the domain type. Wire framing (magic byte, schema id) is
 * the registry adapter's job; it passes the payload and the writer version it identified.
 */
export const encodeOrderEvent = (event: OrderEvent): { version: number; payload: Buffer } => {
  const latest = latestSchema(event.type);
  return { version: latest.version, payload: checkedToBuffer(latest, toAvroRecord(event)) };
};

export const decodeOrderEvent = (eventType: string, writerVersion: number, payload: Buffer): OrderEvent => {
  const writer = findSchema(eventType, writerVersion);
  if (writer === undefined || !isOrderEventType(eventType)) {
    throw new ValidationError(`no schema ${eventType} v${writerVersion}`, [
      { field: 'type', message: `${eventType}@v${writerVersion}` },
    ]);
  }
  const latest = latestSchema(eventType);
  const writerData = writer.avscType.fromBuffer(payload) as AvroData;
  const resolved =
    writer.version === latest.version
      ? writerData
      : (latest.avscType.fromBuffer(payload, latest.avscType.createResolver(writer.avscType)) as AvroData);
  return fromAvroRecord(eventType, upcast(eventType, writerVersion, resolved, writerData));
};
