import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { NotAvailableError } from '../lib/errors';

export const CONSOLE_BASE = '/console';
/** Where `npm run console:build` (run by `npm install` through `prepare`) writes the app. */
export const CONSOLE_DIST = join(__dirname, '..', 'console', 'dist');

/** What the browser app needs to find the other services; all optional, the pages say what is missing. */
export interface ConsoleSettings {
  /** Every process whose health, breakers and metrics the console shows, by name (`command-api` included). */
  services: { name: string; url: string }[];
  prometheusUrl?: string;
}

/** `CONSOLE_SERVICES=name=url,name=url` as the list it names; throws on a malformed entry. */
export const parseConsoleServices = (text: string | undefined): ConsoleSettings['services'] =>
  (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const at = entry.indexOf('=');
      const name = entry.slice(0, at);
      const url = entry.slice(at + 1).replace(/\/+$/, '');
      if (at <= 0 || !/^[a-z0-9-]+$/.test(name) || !/^https?:\/\/[^\s,]+$/.test(url))
        throw new Error(`CONSOLE_SERVICES entry "${entry}" is not name=http(s)://host:port`);
      return { name, url };
    });

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The console's page may run its own scripts and reach only the services it was configured with;
 * nothing inline, nothing from elsewhere. Stricter than the browser's default, looser than the
 * APIs' `default-src 'none'`.
 */
const contentSecurityPolicy = (settings: ConsoleSettings): string => {
  const origins = [...settings.services.map((s) => s.url), settings.prometheusUrl]
    .filter((url): url is string => url !== undefined)
    .map((url) => new URL(url).origin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${[...new Set(origins)].join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
};

/**
 * `GET /console` and its assets: the operator console (console/), built by Vite into
 * console/dist. A checkout that was never built answers 501 saying how to build it, rather than
 * an empty page.
 */
export function createConsoleRouter({
  settings,
  dist = CONSOLE_DIST,
}: {
  settings: ConsoleSettings;
  dist?: string;
}): Router {
  const router = new Router();
  const csp = contentSecurityPolicy(settings);
  const config = JSON.stringify(settings);

  const serve = async (ctx: Context, file: string, cache: string): Promise<void> => {
    if (!existsSync(join(dist, 'index.html')))
      throw new NotAvailableError('the console is not built: run "npm run console:build" (npm install does)');
    const type = TYPES[extname(file)];
    if (type === undefined || !existsSync(file)) return;
    ctx.set('Cache-Control', cache);
    ctx.set('Content-Security-Policy', csp);
    ctx.type = type;
    ctx.body = await readFile(file);
  };

  // The router matches with or without the trailing slash; the page needs it, so its relative
  // asset and config URLs resolve under /console/.
  router.get(CONSOLE_BASE, async (ctx) => {
    if (ctx.path !== `${CONSOLE_BASE}/`) return ctx.redirect(`${CONSOLE_BASE}/`);
    await serve(ctx, join(dist, 'index.html'), 'no-cache');
  });
  router.get(`${CONSOLE_BASE}/config.json`, (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'application/json';
    ctx.body = config;
  });
  // Vite names assets by content hash, so they can be kept for good; the name pattern keeps
  // requests inside the assets folder.
  router.get(`${CONSOLE_BASE}/assets/:file`, async (ctx) => {
    const file = ctx.params.file ?? '';
    if (!/^[\w.-]+$/.test(file) || file.startsWith('.')) return;
    await serve(ctx, join(dist, 'assets', file), 'public, max-age=31536000, immutable');
  });
  return router;
}
