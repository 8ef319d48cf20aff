import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { DependencyError, isRetriable, OrderstreamError } from '../errors';

/** The registry refused a schema because it breaks the subject's compatibility rule. */
export class SchemaIncompatibleError extends OrderstreamError {
  readonly code = 'SCHEMA_INCOMPATIBLE';
  constructor(
    readonly subject: string,
    detail: string,
  ) {
    super(`schema for ${subject} is not ${REQUIRED_COMPATIBILITY} with the registered versions: ${detail}`);
  }
}

export const REQUIRED_COMPATIBILITY = 'BACKWARD_TRANSITIVE';
const REQUEST_TIMEOUT_MS = 10_000;
const REGISTER_ATTEMPTS = 5;
const backoffMs = (attempt: number): number =>
  Math.min(5_000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);

export interface RegisteredSchema {
  id: number;
  subject: string;
  version: number;
}

export interface SchemaRegistryAdapter {
  /** Registers (idempotently) under the subject with BACKWARD_TRANSITIVE compatibility. */
  register(subject: string, avroSchema: object): Promise<RegisteredSchema>;
  /** Confluent wire format: magic byte, 4-byte schema id, Avro body. */
  encode(schemaId: number, value: unknown): Promise<Buffer>;
  /** Decodes with the writer schema named in the record's schema id. */
  decode(buffer: Buffer): Promise<unknown>;
  /** Subject and version for a schema id (for upcasters keyed by version). */
  versionOf(schemaId: number): Promise<{ subject: string; version: number }>;
  schemaOf(schemaId: number): Promise<object>;
  setGlobalCompatibility(): Promise<void>;
  client: SchemaRegistry;
  url: string;
}

/**
 * The registry's Confluent-compatible API, for Confluent's registry and Apicurio's ccompat alike:
 * - every request has a timeout, and registering (idempotent) is retried, so a registry that takes
 *   a request and never answers fails a start-up instead of holding it forever;
 * - the subject's compatibility level is set before and after registering: Apicurio answers
 *   `GET /config/{subject}` with its default rule where Confluent answers 404, and refuses a
 *   subject rule until the subject exists;
 * - version lookups for a schema id, which upcasters need and the library does not offer.
 * The library's client remains for its Confluent wire-format `encode`/`decode`.
 */
export const createSchemaRegistry = (
  url: string,
  { requestTimeoutMs = REQUEST_TIMEOUT_MS }: { requestTimeoutMs?: number } = {},
): SchemaRegistryAdapter => {
  const base = url.replace(/\/+$/, '');
  // Only `encode`/`decode` go through the library's client; everything else is the bounded `http`
  // below, so a registry that takes a request and never answers cannot hold a process forever.
  const client = new SchemaRegistry({ host: base });
  const versions = new Map<number, { subject: string; version: number }>();

  const http = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (cause) {
      throw new DependencyError('schema-registry', `${method} ${path} failed`, { cause });
    }
    const text = await res.text();
    let json: unknown = text;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // non-JSON error pages are kept as text
    }
    return { status: res.status, json };
  };

  const setSubjectCompatibility = async (subject: string): Promise<void> => {
    const { status, json } = await http('PUT', `/config/${encodeURIComponent(subject)}`, {
      compatibility: REQUIRED_COMPATIBILITY,
    });
    // Apicurio answers 404 for a subject that has no version yet; the library sets it after registering.
    if (status >= 400 && status !== 404) {
      throw new DependencyError(
        'schema-registry',
        `PUT /config/${subject} answered ${status}: ${JSON.stringify(json)}`,
      );
    }
  };

  /** POST a new version (or find the same schema's id); the registry answers 409 for an incompatible one. */
  const registerOnce = async (subject: string, avroSchema: object): Promise<RegisteredSchema> => {
    await setSubjectCompatibility(subject);
    const schema = JSON.stringify(avroSchema);
    const posted = await http('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schemaType: SchemaType.AVRO,
      schema,
    });
    const id = (posted.json as { id?: number } | undefined)?.id;
    if (posted.status === 409) {
      const message = (posted.json as { message?: string } | undefined)?.message;
      throw new SchemaIncompatibleError(subject, message ?? 'refused');
    }
    if (posted.status !== 200 || typeof id !== 'number') {
      throw new DependencyError(
        'schema-registry',
        `POST /subjects/${subject}/versions answered ${posted.status}: ${JSON.stringify(posted.json)}`,
        { retriable: posted.status >= 500 || posted.status === 429 },
      );
    }
    // Make sure the rule exists now that the subject does (Apicurio refused it before).
    await setSubjectCompatibility(subject);
    const lookup = await http('POST', `/subjects/${encodeURIComponent(subject)}`, { schema });
    const version = (lookup.json as { version?: number } | undefined)?.version;
    if (lookup.status !== 200 || version === undefined) {
      throw new DependencyError('schema-registry', `lookup of ${subject} answered ${lookup.status}`);
    }
    versions.set(id, { subject, version });
    return { id, subject, version };
  };

  /**
   * Registering is idempotent (the same schema gets the same id), so a request that timed out or
   * failed on the way is simply asked again; a registry that never answers fails after a few tries
   * instead of holding start-up forever.
   */
  const register = async (subject: string, avroSchema: object): Promise<RegisteredSchema> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await registerOnce(subject, avroSchema);
      } catch (err) {
        if (attempt >= REGISTER_ATTEMPTS || !isRetriable(err)) throw err;
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
  };

  const versionOf = async (schemaId: number): Promise<{ subject: string; version: number }> => {
    const cached = versions.get(schemaId);
    if (cached) return cached;
    const { status, json } = await http('GET', `/schemas/ids/${schemaId}/versions`);
    const list = json as { subject: string; version: number }[];
    if (status !== 200 || !Array.isArray(list) || list.length === 0) {
      throw new DependencyError(
        'schema-registry',
        `GET /schemas/ids/${schemaId}/versions answered ${status}`,
        {
          retriable: status >= 500,
        },
      );
    }
    const found = list[0] as { subject: string; version: number };
    versions.set(schemaId, found);
    return found;
  };

  return {
    client,
    url: base,
    register,
    versionOf,
    encode: (schemaId, value) => client.encode(schemaId, value),
    decode: (buffer) => client.decode(buffer),
    schemaOf: async (schemaId) => {
      const { status, json } = await http('GET', `/schemas/ids/${schemaId}`);
      const schema = (json as { schema?: string } | undefined)?.schema;
      if (status !== 200 || schema === undefined) {
        throw new DependencyError('schema-registry', `GET /schemas/ids/${schemaId} answered ${status}`, {
          retriable: status >= 500,
        });
      }
      return JSON.parse(schema) as object;
    },
    setGlobalCompatibility: async () => {
      const { status, json } = await http('PUT', '/config', { compatibility: REQUIRED_COMPATIBILITY });
      if (status >= 400)
        throw new DependencyError(
          'schema-registry',
          `PUT /config answered ${status}: ${JSON.stringify(json)}`,
        );
    },
  };
};
