import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Middleware } from 'koa';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Coding = 'br' | 'gzip' | 'identity';

/**
 * Picks the coding from Accept-Encoding (RFC 9110 §12.5.3): the highest q wins, br before gzip on
 * a tie, `q=0` refuses, `*` stands for any coding not named. Identity when nothing acceptable.
 */
export function negotiateEncoding(header: string | undefined): Coding {
  if (!header) return 'identity';
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name === '') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name.trim(), Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: string) => weights.get(coding) ?? weights.get('*') ?? 0;
  const best = (['br', 'gzip'] as const)
    .map((coding) => ({ coding, weight: weightOf(coding) }))
    .filter((c) => c.weight > 0)
    .sort((a, b) => b.weight - a.weight)[0];
  return best?.coding ?? 'identity';
}

const encode = (coding: 'br' | 'gzip', bytes: Buffer): Promise<Buffer> =>
  coding === 'br'
    ? brotli(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 4,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      })
    : gzipAsync(bytes);

/**
 * A body serialized once and compressed at most once per coding. A cached view keeps one per
 * document (cached-view.ts), so the requests for a hot document skip JSON.stringify and the
 * compressor; the middleware below wraps any other body in a throwaway one, so both take one path.
 * Set as `ctx.body`, the middleware sends its text or an encoding; anything else that serializes it
 * (Koa itself, were the middleware missing) gets the document through `toJSON`.
 */
export class PreparedBody {
  readonly byteLength: number;
  private encoded?: Map<'br' | 'gzip', Promise<Buffer>>;

  private constructor(
    readonly text: string | Buffer,
    private readonly value: unknown,
  ) {
    this.byteLength = Buffer.isBuffer(text) ? text.length : Buffer.byteLength(text);
  }

  static json(value: unknown): PreparedBody {
    return new PreparedBody(JSON.stringify(value), value);
  }

  /** A body already serialized (a string or bytes), sent as it is. */
  static serialized(text: string | Buffer): PreparedBody {
    return new PreparedBody(text, text);
  }

  encoding(coding: 'br' | 'gzip'): Promise<Buffer> {
    this.encoded ??= new Map();
    let encoded = this.encoded.get(coding);
    if (encoded === undefined) {
      encoded = encode(coding, Buffer.isBuffer(this.text) ? this.text : Buffer.from(this.text));
      // A failure is not kept: the next request tries again.
      encoded.catch(() => this.encoded?.delete(coding));
      this.encoded.set(coding, encoded);
    }
    return encoded;
  }

  toJSON(): unknown {
    return this.value;
  }
}

const preparedOf = (body: unknown): PreparedBody | undefined => {
  if (body instanceof PreparedBody) return body;
  if (Buffer.isBuffer(body) || typeof body === 'string') return PreparedBody.serialized(body);
  // Streams (SSE) are left alone: they must flush event by event.
  if (typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe !== 'function')
    return PreparedBody.json(body);
  return undefined;
};

/**
 * Compresses JSON responses of at least `thresholdBytes`: below ~1 KiB the coding's header and
 * the CPU cost outweigh the saved bytes. Streams (SSE) are left alone, as they must flush
 * event by event. Brotli runs at quality 4, which compresses JSON about as well as gzip -9 at a
 * fraction of the default quality 11's CPU time.
 */
export function compression({ thresholdBytes = 1024 }: { thresholdBytes?: number } = {}): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.body == null || ctx.status !== 200 || ctx.response.get('Content-Encoding')) return;
    const body = preparedOf(ctx.body);
    if (body === undefined) return;
    // Vary even when not compressing: a cache must not hand this identity body to a gzip client
    // for a document that would have been compressed, or the reverse.
    ctx.vary('Accept-Encoding');
    const coding =
      body.byteLength < thresholdBytes ? 'identity' : negotiateEncoding(ctx.get('Accept-Encoding'));
    // Serialized once: Koa would stringify an object again to send it. The Content-Type the body
    // had when it was set stays: Koa only guesses one for a body without it.
    ctx.body = coding === 'identity' ? body.text : await body.encoding(coding);
    if (coding !== 'identity') ctx.set('Content-Encoding', coding);
  };
}
