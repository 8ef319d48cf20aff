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
 * Collects the body, stopping at the limit for chunked uploads that declared no length. The
 * request stream is not destroyed on overflow (that would reset the socket before the 413 is
 * sent); it is drained and the connection closed after the response.
 */
function readAtMost(ctx: Context, limitBytes: number): Promise<Buffer> {
  const req = ctx.req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.resume();
        ctx.set('Connection', 'close');
        reject(new PayloadTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new MalformedJsonError(`request body could not be read: ${err.message}`));
    };
    const onClose = () => {
      cleanup();
      reject(new MalformedJsonError('request body ended before it was complete'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
