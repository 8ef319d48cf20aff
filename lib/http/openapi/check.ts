import { HTTP_METHODS, type OpenApiDocument } from './builder';

/** RFC 6901: resolves `#/a/b~1c` inside the document, or undefined. */
export function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, segment)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function collectRefs(node: unknown, at: string, found: { ref: string; at: string }[]): void {
  if (Array.isArray(node)) node.forEach((child, i) => collectRefs(child, `${at}/${i}`, found));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push({ ref: value, at });
      else collectRefs(value, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, found);
    }
  }
}

/**
 * Structural checks of a document we serve: every path has operations, every operation has
 * responses with descriptions and a unique operationId, every `{param}` of a path template is
 * declared as a required path parameter, and every `$ref` resolves. Returns the problems found.
 */
export function checkOpenApiDocument(document: OpenApiDocument): string[] {
  const problems: string[] = [];
  if (!/^3\.\d+\.\d+$/.test(document.openapi)) problems.push(`openapi: ${document.openapi} is not 3.x.y`);
  if (!document.info?.title || !document.info?.version) problems.push('info: title and version are required');
  const operationIds = new Set<string>();

  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/')) problems.push(`${path}: must start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    const operations = HTTP_METHODS.filter((method) => item[method] !== undefined);
    if (operations.length === 0) problems.push(`${path}: has no operations`);
    for (const method of operations) {
      const op = item[method]!;
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (operationIds.has(op.operationId))
        problems.push(`${where}: operationId ${op.operationId} repeats`);
      else operationIds.add(op.operationId);
      const responses = Object.entries(op.responses ?? {});
      if (responses.length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: bad status ${status}`);
        if (!response.description) problems.push(`${where} ${status}: no description`);
      }
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      for (const name of templated) {
        const declared = pathParams.find((p) => p.name === name);
        if (!declared) problems.push(`${where}: path parameter ${name} is not declared`);
        else if (declared.required !== true)
          problems.push(`${where}: path parameter ${name} must be required`);
      }
      for (const p of pathParams) {
        if (!templated.includes(p.name))
          problems.push(`${where}: path parameter ${p.name} is not in the path`);
      }
    }
  }

  const refs: { ref: string; at: string }[] = [];
  collectRefs(document, '#', refs);
  for (const { ref, at } of refs) {
    if (resolvePointer(document, ref) === undefined) problems.push(`${at}: $ref ${ref} does not resolve`);
  }
  return problems;
}
