import { HTTP_METHODS, type JsonSchema, type OpenApiDocument, type Parameter } from './builder';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const anchor = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '-');

/** A schema as one line: a link for `$ref`, else its type. */
function schemaLabel(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').pop() ?? ref;
    return `<a href="#schema-${anchor(name)}">${escapeHtml(name)}</a>`;
  }
  if (schema.type === 'array' && typeof schema.items === 'object' && schema.items !== null) {
    return `array of ${schemaLabel(schema.items as JsonSchema)}`;
  }
  const enumValues = Array.isArray(schema.enum) ? ` (${schema.enum.map(String).join(' | ')})` : '';
  return escapeHtml(`${String(schema.type ?? 'object')}${enumValues}`);
}

function parametersTable(parameters: Parameter[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td>` +
        `<td>${schemaLabel(p.schema)}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Schema</th><th>Description</th></tr>${rows}</table>`;
}

/**
 * `/docs`: the document rendered as plain HTML. No Swagger UI, because it would have to come from
 * a CDN (unreachable here) or be vendored; a generated page cannot drift from `/openapi.json`.
 * No scripts at all, so the page is served under a CSP that forbids them.
 */
export function renderDocsHtml(document: OpenApiDocument): string {
  const { info } = document;
  const operations = Object.entries(document.paths)
    .flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((method) => {
        const op = item[method]!;
        const body = op.requestBody
          ? `<p>Request body (${Object.keys(op.requestBody.content).map(escapeHtml).join(', ')}): ${schemaLabel(
              Object.values(op.requestBody.content)[0]?.schema,
            )}</p>`
          : '';
        const responses = Object.entries(op.responses)
          .map(([status, r]) => {
            const media = Object.entries(r.content ?? {})
              .map(([type, m]) => `${escapeHtml(type)}: ${schemaLabel(m.schema)}`)
              .join(', ');
            return `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(r.description)}</td><td>${media}</td></tr>`;
          })
          .join('');
        return (
          `<section id="op-${anchor(op.operationId)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> ` +
          `<code>${escapeHtml(path)}</code></h3><p><strong>${escapeHtml(op.summary)}</strong></p>` +
          (op.description ? `<p>${escapeHtml(op.description)}</p>` : '') +
          parametersTable(op.parameters ?? []) +
          body +
          `<table><tr><th>Status</th><th>Description</th><th>Body</th></tr>${responses}</table></section>`
        );
      }),
    )
    .join('\n');
  const schemas = Object.entries(document.components.schemas)
    .map(
      ([name, schema]) =>
        `<section id="schema-${anchor(name)}"><h3>${escapeHtml(name)}</h3><pre>${escapeHtml(
          JSON.stringify(schema, null, 2),
        )}</pre></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)} ${escapeHtml(info.version)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f6f6;padding:.5rem;overflow:auto}
.m{display:inline-block;min-width:4rem;color:#fff;border-radius:3px;padding:0 .3rem;text-align:center}
.get{background:#2b6cb0}.post{background:#2f855a}.put,.patch{background:#b7791f}.delete{background:#c53030}
</style></head><body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
${info.description ? `<p>${escapeHtml(info.description)}</p>` : ''}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(document.openapi)})</p>
<h2>Operations</h2>
${operations}
<h2>Schemas</h2>
${schemas}
</body></html>
`;
}
