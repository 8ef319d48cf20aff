import type Router from '@koa/router';
import { createAdminRouter } from '../producers/command-api/admin-routes';
import { createMigrationRouter } from '../producers/command-api/migration-routes';
import { createPreferencesRouter } from '../producers/command-api/preferences-routes';
import { createReceiptRouter } from '../producers/command-api/receipt-routes';
import { createInventoryRouter } from '../producers/command-api/inventory-routes';
import { requestSchemas } from '../producers/command-api/request-schemas';
import { createCommandRouter } from '../producers/command-api/routes';
import { HTTP_METHODS, type OpenApiDocument } from '../lib/http/openapi/builder';
import { checkOpenApiDocument, resolvePointer } from '../lib/http/openapi/check';
import { commandApiDocument } from '../producers/command-api/openapi-document';
import { renderDocsHtml } from '../lib/http/openapi/docs-html';
import { queryApiDocument } from '../query-api/openapi-document';
import { AVRO_INT, AVRO_LONG } from '../schemas/field-bounds';

const documents: [string, OpenApiDocument][] = [
  ['query API', queryApiDocument()],
  ['command API', commandApiDocument()],
];

/** `METHOD /path/{param}` for every operation of a document. */
const operationsOf = (document: OpenApiDocument): string[] =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );

/** `METHOD /path/{param}` for every route a Koa router registers (HEAD is implied by GET). */
const routesOf = (router: Router): string[] =>
  router.stack.flatMap((layer) =>
    layer.methods
      .filter((m) => m !== 'HEAD')
      .map((m) => `${m} ${String(layer.path).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
  );

describe.each(documents)('%s document', (_name, document) => {
  it('is structurally valid: operations with responses, declared path params, resolving $refs', () => {
    expect(checkOpenApiDocument(document)).toEqual([]);
    expect(Object.keys(document.paths).length).toBeGreaterThan(5);
    for (const item of Object.values(document.paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (op) expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
    }
  });

  it('states who may call each operation, as the access table the server enforces says', () => {
    expect(document.components.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const publicOps: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!op) continue;
        if (op.security?.length === 0) {
          publicOps.push(`${method.toUpperCase()} ${path}`);
          expect(op.responses['401']).toBeUndefined();
        } else {
          expect(op.security).toEqual([{ bearerAuth: [] }]);
          expect(op.responses['401']?.headers?.['WWW-Authenticate']).toBeDefined();
        }
      }
    }
    const expectedPublic = /^GET \/(health|metrics|openapi\.json|docs|api\/products|console\/)/;
    expect(publicOps.length).toBeGreaterThan(0);
    for (const op of publicOps) expect(op).toMatch(expectedPublic);
    for (const op of operationsOf(document).filter((o) => !publicOps.includes(o))) {
      expect(op).not.toMatch(expectedPublic);
    }
    const admin =
      document.paths['/api/admin/events/{aggregateId}']?.get ??
      document.paths['/api/admin/projections/replay']?.post;
    expect(admin?.responses['403']).toBeDefined();
    expect(admin?.responses['429']).toBeDefined();
  });

  it('survives a JSON round trip unchanged (it is served as JSON)', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('renders every operation and schema into the docs page, escaped, without scripts', () => {
    const html = renderDocsHtml(document);
    for (const path of Object.keys(document.paths)) expect(html).toContain(`<code>${path}</code>`);
    for (const name of Object.keys(document.components.schemas))
      expect(html).toContain(`id="schema-${name}"`);
    expect(html).not.toMatch(/<script/i);
  });
});

describe('command API document', () => {
  const document = commandApiDocument();

  it('documents exactly the routes the command API registers', () => {
    const stub = {} as never;
    const registered = [
      ...routesOf(createCommandRouter({ bus: stub, idempotency: stub })),
      ...routesOf(createInventoryRouter({ bus: stub, idempotency: stub })),
      ...routesOf(createPreferencesRouter({ bus: stub, idempotency: stub })),
      ...routesOf(createReceiptRouter({ bus: stub, idempotency: stub })),
      ...routesOf(createAdminRouter({ bus: stub })),
      ...routesOf(createMigrationRouter({})),
    ];
    const documented = operationsOf(document).filter((op) => op.includes('/api/'));
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
  });

  it('embeds the request schemas the validators are compiled from', () => {
    const createBody =
      document.paths['/api/commands/orders/create']?.post?.requestBody?.content['application/json'];
    const ref = createBody?.schema.$ref as string;
    expect(resolvePointer(document, ref)).toBe(requestSchemas.create);
    const addItem =
      document.paths['/api/commands/orders/{id}/add-item']?.post?.requestBody?.content['application/json'];
    expect(resolvePointer(document, addItem?.schema.$ref as string)).toBe(requestSchemas['add-item']);
    expect(document.paths['/api/commands/orders/{id}/pay']).toBeUndefined();
    expect(document.paths['/api/commands/orders/{id}/ship']).toBeUndefined();
  });

  it('shows the bounds the events can hold, as the validators enforce them', () => {
    const body = resolvePointer(document, '#/components/schemas/InventoryProductsBody') as {
      properties: Record<string, { maximum?: number }>;
    };
    // ProductRegistered.lowStockThreshold is an Avro long; avsc writes at most 2^53 − 2.
    expect(body.properties.lowStockThreshold?.maximum).toBe(AVRO_LONG.maximum);
    expect(body.properties.price?.maximum).toBe(AVRO_LONG.maximum);
    const create = resolvePointer(document, '#/components/schemas/CreateBody') as {
      properties: { items: { items: { properties: Record<string, { maximum?: number }> } } };
    };
    expect(create.properties.items.items.properties.quantity?.maximum).toBeLessThanOrEqual(AVRO_INT.maximum);
  });
});

describe('query API document', () => {
  it('lists every DESIGN §7 query route', () => {
    expect(operationsOf(queryApiDocument())).toEqual(
      expect.arrayContaining([
        'GET /api/queries/orders/{id}',
        'GET /api/queries/orders',
        'GET /api/queries/orders/{id}/stream',
        'GET /api/products',
        'GET /api/products/{id}',
        'GET /api/products/search',
        'GET /api/queries/inventory/{sku}',
        'POST /api/admin/projections/replay',
        'GET /api/admin/projections/replay/{jobId}',
      ]),
    );
  });
});
