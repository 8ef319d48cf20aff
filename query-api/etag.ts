/**
 * Strong ETags derived from the projection's version: `"<view>-<id>-v<version>"`. The version
 * changes with every projected event, so no body hashing is needed. `view` names the
 * representation, not only the collection: the inventory and product routes read one document
 * but return different bodies, so they must not share a validator.
 */
export const etagFor = (view: string, id: string, version: number | string): string =>
  `"${view}-${id}-v${version}"`;

/**
 * RFC 9110 §13.1.2: If-None-Match uses the weak comparison, so `W/"x"` matches `"x"`; `*`
 * matches any current representation; the header is a comma-separated list.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.trim() === '') return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaque(tag) === wanted);
}
