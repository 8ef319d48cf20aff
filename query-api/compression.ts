import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Context, Middleware } from 'koa';

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
 * A JSON body serialized once and compressed at most once per coding, for a document many
 * requests answer with (a cached view): those requests skip JSON.stringify and the compressor.
 * Set as `ctx.body`, the compression middleware sends its text or an encoding; anything else that
 * serializes it (Koa itself, were the middleware missing) gets the document through `toJSON`.
 */
export class PreparedBody {
  readonly text: string;
  readonly byteLength: number;
  private bytes?: Buffer;
  private readonly encoded = new Map<'br' | 'gzip', Promise<Buffer>>();

  constructor(private readonly value: unknown) {
    this.text = JSON.stringify(value);
    this.byteLength = Buffer.byteLength(this.text);
  }

  encoding(coding: 'br' | 'gzip'): Promise<Buffer> {
    let encoded = this.encoded.get(coding);
    if (encoded === undefined) {
      this.bytes ??= Buffer.from(this.text);
      encoded = encode(coding, this.bytes);
      // A failure is not kept: the next request tries again.
      encoded.catch(() => this.encoded.delete(coding));
      this.encoded.set(coding, encoded);
    }
    return encoded;
  }

  toJSON(): unknown {
    return this.value;
  }
}

/**
 * Compresses JSON responses of at least `thresholdBytes`: below ~1 KiB the coding's header and
 * the CPU cost outweigh the saved bytes. Streams (SSE) are left alone, as they must flush
 * event by event. Brotli runs at quality 4, which compresses JSON about as well as gzip -9 at a
 * fraction of the default quality 11's CPU time.
 */
export function compression({ thresholdBytes = 1024 }: { thresholdBytes?: number } = {}): Middleware {
  return async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (body == null || ctx.status !== 200 || ctx.response.get('Content-Encoding')) return;
    if (body instanceof PreparedBody) return sendPrepared(ctx, body, thresholdBytes);
    let text: string | Buffer;
    if (Buffer.isBuffer(body) || typeof body === 'string') text = body;
    else if (typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe !== 'function') {
      text = JSON.stringify(body);
    } else return;
    // Serialized once: Koa would stringify the object again to send it. The body stays a string
    // (no copy into a Buffer unless it is compressed), and the Content-Type the object set stays:
    // Koa only guesses one for a body without it.
    if (text !== body) ctx.body = text;

    // Vary even when not compressing: a cache must not hand this identity body to a gzip client
    // for a document that would have been compressed, or the reverse.
    ctx.vary('Accept-Encoding');
    if (Buffer.byteLength(text) < thresholdBytes) return;
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
    const coding = negotiateEncoding(ctx.get('Accept-Encoding'));
    if (coding === 'identity') return;
    const type = ctx.type;
    ctx.body = await encode(coding, bytes);
    ctx.type = type;
    ctx.set('Content-Encoding', coding);
  };
}

async function sendPrepared(ctx: Context, body: PreparedBody, thresholdBytes: number): Promise<void> {
  ctx.vary('Accept-Encoding');
  const coding =
    body.byteLength < thresholdBytes ? 'identity' : negotiateEncoding(ctx.get('Accept-Encoding'));
  // Koa typed the response JSON when the PreparedBody was set; a string or Buffer keeps that type.
  ctx.body = coding === 'identity' ? body.text : await body.encoding(coding);
  if (coding !== 'identity') ctx.set('Content-Encoding', coding);
}
