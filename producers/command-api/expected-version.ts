import { ValidationError } from '../../lib/errors';

/** `"3"`, `W/"3"` or a bare `3`: the forms an ETag we sent (`"3"`) comes back in from clients and proxies. */
const VERSION_TAG = /^(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))$/;

/**
 * The version an `If-Match` header asks for, or undefined when the header is absent or `*`
 * (which only asks that the order exist, and every command but create requires that anyway).
 * A list of tags is refused: a command can be conditional on one version only.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  const value = header?.trim() ?? '';
  if (value === '' || value === '*') return undefined;
  const match = VERSION_TAG.exec(value);
  const digits = match?.[1] ?? match?.[2];
  const version = digits === undefined ? NaN : Number(digits);
  if (!Number.isSafeInteger(version)) {
    throw new ValidationError(`If-Match must be one version tag such as "3", got ${JSON.stringify(value)}`, [
      { field: 'If-Match', message: 'must be one version tag such as "3"' },
    ]);
  }
  return version;
}

/**
 * The command's expectedVersion from the body or the If-Match header. Both may be given, but
 * they must agree: silently preferring one would run a command the client did not mean.
 */
export function resolveExpectedVersion(
  fromBody: number | undefined,
  ifMatch: string | undefined,
): number | undefined {
  const fromHeader = parseIfMatch(ifMatch);
  if (fromBody !== undefined && fromHeader !== undefined && fromBody !== fromHeader) {
    throw new ValidationError(
      `expectedVersion ${fromBody} in the body contradicts If-Match version ${fromHeader}`,
      [{ field: 'expectedVersion', message: `contradicts If-Match (${fromHeader})` }],
    );
  }
  return fromBody ?? fromHeader;
}
