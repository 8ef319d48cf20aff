import { createOpenApiBuilder, schemaRef } from './builder';
import { checkOpenApiDocument, resolvePointer } from './check';

describe('checkOpenApiDocument', () => {
  it('reports dangling refs, undeclared path params and operations without responses', () => {
    const b = createOpenApiBuilder({ title: 't', version: '1' });
    b.operation('get', '/things/{id}', {
      operationId: 'getThing',
      summary: 's',
      responses: {
        '200': { description: 'ok', content: { 'application/json': { schema: schemaRef('Missing') } } },
      },
    });
    b.operation('post', '/things', { operationId: 'getThing', summary: 's', responses: {} });
    expect(checkOpenApiDocument(b.build())).toEqual([
      'GET /things/{id}: path parameter id is not declared',
      'POST /things: operationId getThing repeats',
      'POST /things: no responses',
      '#/paths/~1things~1{id}/get/responses/200/content/application~1json/schema: $ref #/components/schemas/Missing does not resolve',
    ]);
  });

  it('resolves JSON pointers with escapes', () => {
    expect(resolvePointer({ a: { 'b/c': 1 } }, '#/a/b~1c')).toBe(1);
    expect(resolvePointer({ a: {} }, '#/a/x')).toBeUndefined();
  });
});
