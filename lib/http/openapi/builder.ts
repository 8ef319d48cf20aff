import { ruleFor } from '../../auth/access-rules';

/**
 * A small OpenAPI 3.1 builder. 3.1 because its schema dialect is JSON Schema 2020-12, so the very
 * JSON Schemas the validators are compiled from (request-schemas.ts, query-schemas.ts) can be
 * embedded unchanged instead of being translated into 3.0's schema subset.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface MediaType {
  schema: JsonSchema;
}

export interface Response {
  description: string;
  headers?: Record<string, { description?: string; schema: JsonSchema }>;
  content?: Record<string, MediaType>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  /** Filled in by the builder from the access rules the server enforces; `[]` means public. */
  security?: Record<string, string[]>[];
}

export type PathItem = Partial<Record<HttpMethod, Operation>>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes?: Record<
      string,
      { type: string; scheme: string; bearerFormat?: string; description?: string }
    >;
  };
}

export const BEARER_SCHEME = 'bearerAuth';

/**
 * Security and the refusals that come with it, derived from the very table the access middleware
 * enforces (lib/auth/access-rules.ts), so the document cannot disagree with the server.
 */
function withAccess(method: HttpMethod, path: string, operation: Operation): Operation {
  const rule = ruleFor(method.toUpperCase(), path);
  const security = rule.access.kind === 'public' ? [] : [{ [BEARER_SCHEME]: [] }];
  // An operation documented without any response is broken; left as it is for the checker to report.
  if (Object.keys(operation.responses).length === 0) return { ...operation, security };
  const responses: Record<string, Response> = { ...operation.responses };
  if (rule.access.kind !== 'public') {
    responses['401'] ??= problemResponse('No bearer token, or one that is invalid or expired', {
      'WWW-Authenticate': { schema: { type: 'string' } },
    });
    if (rule.access.kind === 'roles') {
      responses['403'] ??= problemResponse(`The token lacks the role (${rule.access.roles.join(', ')})`, {
        'WWW-Authenticate': { schema: { type: 'string' } },
      });
    }
  }
  if (rule.group !== undefined) {
    responses['429'] ??= problemResponse(
      'Too many requests: the rate limit of the client for this route group, or (new commands) the write side saturated',
      {
        'Retry-After': { schema: { type: 'string' } },
      },
    );
  }
  return {
    ...operation,
    security,
    responses,
  };
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export const jsonResponse = (
  description: string,
  schema: JsonSchema,
  headers?: Response['headers'],
): Response => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});

export const problemResponse = (description: string, headers?: Response['headers']): Response => ({
  description,
  ...(headers ? { headers } : {}),
  content: { [PROBLEM_MEDIA_TYPE]: { schema: schemaRef('Problem') } },
});

export const pathParameter = (name: string, schema: JsonSchema, description?: string): Parameter => ({
  name,
  in: 'path',
  required: true,
  schema,
  ...(description !== undefined ? { description } : {}),
});

/** One query parameter per property of a query validator's schema, required as it says. */
export function queryParameters(schema: {
  properties: Record<string, object>;
  required?: readonly string[];
}): Parameter[] {
  return Object.entries(schema.properties).map(([name, property]) => {
    const description = (property as { description?: unknown }).description;
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      schema: property as JsonSchema,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

/** RFC 9457 problem details as lib/http/problem.ts writes them. */
export const problemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string' },
    correlationId: { type: 'string' },
    currentVersion: { type: 'integer', description: 'On 409: the version the aggregate is at.' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

export interface OpenApiBuilder {
  /** Registers a named schema under components and returns a `$ref` to it. */
  schema(name: string, schema: JsonSchema): JsonSchema;
  /** `path` in OpenAPI form (`/api/x/{id}`); a method may be documented once per path. */
  operation(method: HttpMethod, path: string, operation: Operation): OpenApiBuilder;
  build(): OpenApiDocument;
}

export function createOpenApiBuilder(
  info: OpenApiDocument['info'],
  tags?: OpenApiDocument['tags'],
): OpenApiBuilder {
  const paths: Record<string, PathItem> = {};
  const schemas: Record<string, JsonSchema> = { Problem: problemSchema };
  const builder: OpenApiBuilder = {
    schema(name, schema) {
      if (schemas[name] !== undefined && schemas[name] !== schema)
        throw new Error(`schema ${name} is defined twice`);
      schemas[name] = schema;
      return schemaRef(name);
    },
    operation(method, path, operation) {
      const item = (paths[path] ??= {});
      if (item[method]) throw new Error(`${method.toUpperCase()} ${path} is documented twice`);
      item[method] = withAccess(method, path, operation);
      return builder;
    },
    build: () => ({
      openapi: '3.1.0',
      info,
      ...(tags ? { tags } : {}),
      paths,
      components: {
        schemas,
        securitySchemes: {
          [BEARER_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'roles claim: customer, operator, admin (`npm run -s token -- --role customer --sub c-1`)',
          },
        },
      },
    }),
  };
  return builder;
}
