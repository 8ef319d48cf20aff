import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { DependencyError, OrderstreamError } from '../errors';

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

interface HttpProblem {
  status?: number;
  message?: string;
}

/**
 * Thin layer over @kafkajs/confluent-schema-registry with two fixes:
 * - Apicurio's ccompat API answers `GET /config/{subject}` with 200 (its default rule) where
 *   Confluent answers 404, and the library then refuses to register because the levels differ.
 *   We set the subject's level first, so both registries agree before `register` looks.
 * - version lookups for a schema id, which upcasters need and the library does not offer.
 */
export const createSchemaRegistry = (url: string): SchemaRegistryAdapter => {
  const base = url.replace(/\/+$/, '');
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
        signal: AbortSignal.timeout(10_000),
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

  const register = async (subject: string, avroSchema: object): Promise<RegisteredSchema> => {
    await setSubjectCompatibility(subject);
    const attempt = () =>
      client.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(avroSchema) },
        { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE },
      );
    let id: number;
    try {
      ({ id } = await attempt());
    } catch (err) {
      const problem = err as HttpProblem;
      if (problem.status === 409) throw new SchemaIncompatibleError(subject, problem.message ?? 'refused');
      if (err instanceof Error && err.name === 'ConfluentSchemaRegistryCompatibilityError') {
        await setSubjectCompatibility(subject);
        ({ id } = await attempt());
      } else {
        throw new DependencyError(
          'schema-registry',
          `registering ${subject} failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    }
    // Make sure the rule exists now that the subject does (Apicurio refused it before).
    await setSubjectCompatibility(subject);
    const lookup = await http('POST', `/subjects/${encodeURIComponent(subject)}`, {
      schema: JSON.stringify(avroSchema),
    });
    const version = (lookup.json as { version?: number } | undefined)?.version;
    if (lookup.status !== 200 || version === undefined) {
      throw new DependencyError('schema-registry', `lookup of ${subject} answered ${lookup.status}`);
    }
    versions.set(id, { subject, version });
    return { id, subject, version };
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
