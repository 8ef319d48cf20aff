import type { Context } from 'koa';
import { NotFoundError } from '../lib/errors';
import type { CacheLookup, CachedDocument } from './view-cache';
import { etagFor, ifNoneMatchMatches } from './etag';
import { PreparedBody } from './compression';

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

interface Prepared {
  etag: string;
  body: PreparedBody;
}

/**
 * What a cached document looks like on the wire, per representation, made once: the cache hands
 * the same document object to every request until it changes (a new object), so a hot view is
 * serialized, tagged and compressed once rather than per request. Weak: it goes with the document.
 */
const prepared = new WeakMap<CachedDocument, Map<string, Prepared>>();

function preparedFor<T extends CachedDocument>(doc: T, representation: Representation<T>): Prepared {
  let byName = prepared.get(doc);
  if (byName === undefined) {
    byName = new Map();
    prepared.set(doc, byName);
  }
  let made = byName.get(representation.name);
  if (made === undefined) {
    made = {
      etag: etagFor(representation.name, representation.id, representation.validator?.(doc) ?? doc.version),
      body: PreparedBody.json(representation.body(doc)),
    };
    byName.set(representation.name, made);
  }
  return made;
}

/** Answers one single-document GET from a cache lookup: headers, 304, stale marking, or 404. */
export function sendCachedView<T extends CachedDocument>(
  ctx: Context,
  { doc, result }: CacheLookup<T>,
  representation: Representation<T>,
): void {
  if (!doc) throw new NotFoundError(representation.notFound);
  const { etag, body } = preparedFor(doc, representation);
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
  ctx.body = body;
}
