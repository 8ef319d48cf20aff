import type { Context } from 'koa';
import { NotFoundError } from '../lib/errors';
import type { CacheLookup, CachedDocument } from './view-cache';
import { etagFor, ifNoneMatchMatches } from './etag';

/**
 * `private`: order views carry customer data, so no shared cache may store them. `max-age=0,
 * must-revalidate`: a view changes with every projected event, so a client must always ask, and
 * the ETag makes asking cheap (a 304 without a body). `no-cache` alone would mean the same to
 * browsers; the explicit form also binds older HTTP/1.0-era intermediaries.
 */
export const VIEW_CACHE_CONTROL = 'private, max-age=0, must-revalidate';

export interface Representation<T extends CachedDocument> {
  /** ETag prefix: names the representation (orders, products, inventory). */
  name: string;
  id: string;
  /** What the client sees of the document (never `_id`). */
  body(doc: T): unknown;
  notFound: string;
  /** What the ETag's version part is made of; the document's version unless the body holds more. */
  validator?: (doc: T) => number | string;
}

/** Answers one single-document GET from a cache lookup: headers, 304, stale marking, or 404. */
export function sendCachedView<T extends CachedDocument>(
  ctx: Context,
  { doc, result }: CacheLookup<T>,
  representation: Representation<T>,
): void {
  if (!doc) throw new NotFoundError(representation.notFound);
  const etag = etagFor(
    representation.name,
    representation.id,
    representation.validator?.(doc) ?? doc.version,
  );
  ctx.set('X-Cache', result);
  if (result === 'stale') {
    ctx.set('X-Data-Stale', 'true');
    // RFC 7234's Warning is obsolete in RFC 9111 but still the one header generic clients know.
    ctx.set('Warning', '110 - "Response is Stale"');
  }
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', VIEW_CACHE_CONTROL);
  ctx.vary('Accept-Encoding');
  if (ifNoneMatchMatches(ctx.get('If-None-Match') || undefined, etag)) {
    ctx.status = 304;
    return;
  }
  ctx.body = representation.body(doc);
}
