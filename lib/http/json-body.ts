import getRawBody from 'raw-body';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import { findJsonSyntaxProblem } from './json-error-position';

export const DEFAULT_JSON_LIMIT_BYTES = 64 * 1024;

export interface JsonBodyOptions {
  /** Largest accepted body in bytes (default 64 KiB); larger bodies are refused with 413. */
  limitBytes?: number;
  /**
   * When true an absent or blank body reads as `{}` (commands like `/place` whose fields are all
   * optional); otherwise it is a 400, because a client that forgot the body should be told.
   */
  allowEmpty?: boolean;
}

// The stream can be read once; a second reader (middleware plus handler) gets the same result.
const cache = new WeakMap<IncomingMessage, Promise<unknown>>();

/**
 * Reads the request body as strict JSON: `application/json` (or `application/*+json`) in UTF-8,
 * no content coding, within the byte limit. Errors are OrderstreamErrors, so the error middleware
 * answers 415 / 413 / 400 with a problem body. Call it from handlers of methods that take a body.
 */
export function readJsonBody(ctx: Context, options: JsonBodyOptions = {}): Promise<unknown> {
  let pending = cache.get(ctx.req);
  if (!pending) {
    pending = read(ctx, options);
    cache.set(ctx.req, pending);
  }
  return pending;
}

function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function checkMediaType(ctx: Context): void {
  const header = ctx.get('content-type');
  const [mediaType = '', ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw new UnsupportedMediaTypeError(
      `request body must be application/json, got ${header === '' ? 'no content type' : JSON.stringify(header)}`,
    );
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && !['utf-8', 'utf8', '"utf-8"'].includes(charset)) {
    throw new UnsupportedMediaTypeError(`request body must be UTF-8, got charset ${charset}`);
  }
  const encoding = ctx.get('content-encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new UnsupportedMediaTypeError(`content encoding ${JSON.stringify(encoding)} is not supported`);
  }
}

async function read(
  ctx: Context,
  { limitBytes = DEFAULT_JSON_LIMIT_BYTES, allowEmpty = false }: JsonBodyOptions,
) {
  const empty = () => {
    if (allowEmpty) return {};
    throw new MalformedJsonError('request body is empty; a JSON document is required', 0);
  };
  if (!declaresBody(ctx.req)) return empty();
  checkMediaType(ctx);

  const declared = Number(ctx.get('content-length'));
  if (declared > limitBytes) {
    // Refuse before reading a byte; closing the connection stops the client's upload.
    ctx.set('Connection', 'close');
    throw new PayloadTooLargeError(limitBytes);
  }
  const bytes = await readAtMost(ctx, limitBytes);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedJsonError('request body is not valid UTF-8');
  }
  if (text.trim() === '') return empty();

  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const problem = findJsonSyntaxProblem(text);
    if (!problem) throw new MalformedJsonError(`malformed JSON: ${(err as Error).message}`);
    throw new MalformedJsonError(
      `malformed JSON at position ${problem.position} (line ${problem.line}, column ${problem.column}): ${problem.reason}`,
      problem.position,
    );
  }
}

/**
 * Collects the body with raw-body, stopping at the limit for chunked uploads that declared no
 * length. On overflow the connection is closed after the 413 is sent, which stops the upload.
 */
async function readAtMost(ctx: Context, limitBytes: number): Promise<Buffer> {
  const declared = ctx.get('content-length');
  try {
    return await getRawBody(ctx.req, {
      limit: limitBytes,
      ...(declared !== '' ? { length: Number(declared) } : {}),
    });
  } catch (err) {
    const { type, message } = err as { type?: string; message?: string };
    if (type === 'entity.too.large') {
      ctx.set('Connection', 'close');
      throw new PayloadTooLargeError(limitBytes);
    }
    if (type === 'request.aborted' || type === 'request.size.invalid')
      throw new MalformedJsonError('request body ended before it was complete');
    throw new MalformedJsonError(`request body could not be read: ${message ?? String(err)}`);
  }
}
