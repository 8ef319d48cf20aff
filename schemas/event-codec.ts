import * as avro from 'avsc';
import type { OrderEvent } from '../domain/order/events';
import type { SchemaRegistryAdapter } from '../lib/adapters/schema-registry';
import { ValidationError } from '../lib/errors';
import { orderSchemas, versionOfWriterSchema, type SchemaEntry } from './catalog';
import { decodeOrderEvent, encodeOrderEvent } from './order-event-serde';
import { registerEventSchemas } from './register-schemas';
import type { AggregateSchemas } from './catalogs';
import type { AggregateType, TopicNames } from '../topics/names';

export interface EncodedEvent {
  value: Buffer;
  schemaId: number;
  schemaVersion: number;
}

export interface DecodedEvent<E> {
  event: E;
  schemaId: number;
  schemaVersion: number;
}

/** Encodes and decodes one aggregate's events in the Confluent wire format. */
export interface EventCodec<E extends { type: string }> {
  encode(event: E): EncodedEvent;
  decode(eventType: string, value: Buffer): Promise<DecodedEvent<E>>;
}

const MAGIC_BYTE = 0;

/** What the codec needs from an aggregate's schema catalogue and serde (schemas/). */
export interface EventSchemas<E extends { type: string }> {
  entries: readonly SchemaEntry[];
  versionOfWriterSchema(eventType: string, writer: avro.Type): number | undefined;
  encode(event: E): { version: number; payload: Buffer };
  decode(eventType: string, writerVersion: number, payload: Buffer): E;
}

/**
 * Writers encode locally with the latest shipped schema and the id the registry gave it, so
 * the hot path makes no network call. Readers look the writer schema up by id (cached), find
 * which of our versions it is, then resolve and upcast.
 */
export const createEventCodec = async <E extends { type: string }>(
  registry: SchemaRegistryAdapter,
  eventsTopic: string,
  schemas: EventSchemas<E>,
): Promise<EventCodec<E>> => {
  const latest = await registerEventSchemas(registry, eventsTopic, schemas.entries);
  const writerVersions = new Map<number, Promise<number>>();

  const versionOf = (eventType: string, schemaId: number): Promise<number> => {
    let version = writerVersions.get(schemaId);
    if (version === undefined) {
      version = registry.schemaOf(schemaId).then((schema) => {
        const found = schemas.versionOfWriterSchema(eventType, avro.Type.forSchema(schema as avro.Schema));
        if (found === undefined) {
          throw new ValidationError(`schema id ${schemaId} is not a known version of ${eventType}`, [
            { field: 'schemaId', message: String(schemaId) },
          ]);
        }
        return found;
      });
      version.catch(() => writerVersions.delete(schemaId));
      writerVersions.set(schemaId, version);
    }
    return version;
  };

  return {
    encode: (event) => {
      const registered = latest.get(event.type);
      if (registered === undefined) throw new ValidationError(`no registered schema for ${event.type}`);
      const { version, payload } = schemas.encode(event);
      const header = Buffer.alloc(5);
      header.writeUInt8(MAGIC_BYTE, 0);
      header.writeInt32BE(registered.schemaId, 1);
      return {
        value: Buffer.concat([header, payload]),
        schemaId: registered.schemaId,
        schemaVersion: version,
      };
    },
    decode: async (eventType, value) => {
      if (value.length < 5 || value.readUInt8(0) !== MAGIC_BYTE) {
        throw new ValidationError('record is not in the Confluent wire format', [
          { field: 'value', message: 'magic byte' },
        ]);
      }
      const schemaId = value.readInt32BE(1);
      const schemaVersion = await versionOf(eventType, schemaId);
      return { event: schemas.decode(eventType, schemaVersion, value.subarray(5)), schemaId, schemaVersion };
    },
  };
};

/** The orders codec: the order serde (with its upcasters) over the orders catalogue. */
export const createOrderEventCodec = (
  registry: SchemaRegistryAdapter,
  eventsTopic: string,
): Promise<EventCodec<OrderEvent>> =>
  createEventCodec<OrderEvent>(registry, eventsTopic, {
    entries: orderSchemas,
    versionOfWriterSchema,
    encode: encodeOrderEvent,
    decode: decodeOrderEvent,
  });

/** The registry-backed codec of one aggregate type's events topic. */
export const codecFor = <E extends { type: string }>(
  registry: SchemaRegistryAdapter,
  topics: TopicNames,
  aggregate: AggregateType,
  schemas: AggregateSchemas<E>,
): Promise<EventCodec<E>> => codecForTopic(registry, topics.events(aggregate), schemas);

/** The same for a named topic: an upcast migration's target, before readers are switched to it. */
export const codecForTopic = <E extends { type: string }>(
  registry: SchemaRegistryAdapter,
  eventsTopic: string,
  schemas: AggregateSchemas<E>,
): Promise<EventCodec<E>> =>
  createEventCodec<E>(registry, eventsTopic, {
    entries: schemas.catalog.entries,
    versionOfWriterSchema: (type, writer) => schemas.catalog.versionOfWriterSchema(type, writer),
    encode: (event) => schemas.serde.encode(event),
    decode: (type, version, payload) => schemas.serde.decode(type, version, payload),
  });
