import Router from '@koa/router';
import type { OpenApiDocument } from './builder';
import { renderDocsHtml } from './docs-html';

/**
 * `GET /openapi.json` and `GET /docs` for one document. Both are rendered once: the document is
 * fixed for the life of the process.
 */
export function openApiRouter(document: OpenApiDocument): Router {
  const json = JSON.stringify(document);
  const html = renderDocsHtml(document);
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'application/json';
    ctx.body = json;
  });
  router.get('/docs', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  });
  return router;
}
