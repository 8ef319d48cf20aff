import { randomUUID } from 'node:crypto';
import { listProducts } from '../domain/catalog/catalog';
import { loadLocalKeyPair } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';

/**
 * An open-model order load: a new customer arrives every 1/rate seconds whatever the system is
 * doing (a slow system cannot hide behind fewer requests). Each creates an order and places it,
 * as a careful client would: with an Idempotency-Key, retrying network errors, 5xx and 429 with
 * backoff for up to `patienceMs`, so a fault costs latency, not orders. Each customer signs in
 * with a token of its own (the local development key `npm start` verifies with).
 */
export interface ClientOrder {
  orderId?: string;
  /** When the place request was first sent. */
  placeSentAt?: number;
  /** The final answer to place: an HTTP status, or the last error's kind. */
  placed?: number | string;
  created?: number | string;
  attempts: number;
}

export interface Load {
  stop(): Promise<void>;
  orders(): readonly ClientOrder[];
  errors(): Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const startLoad = (options: { commandApi: string; rate: number; patienceMs?: number }): Load => {
  const products = listProducts();
  const patienceMs = options.patienceMs ?? 90_000;
  const orders: ClientOrder[] = [];
  const key = loadLocalKeyPair();
  const errors: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let running = true;

  const post = async (
    order: ClientOrder,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    alsoRetry: readonly number[] = [],
  ): Promise<{ status: number | string; json?: { orderId?: string } }> => {
    const key = randomUUID();
    const deadline = Date.now() + patienceMs;
    let last: number | string = 'never sent';
    let retryAfterMs: number | undefined;
    for (let attempt = 0; Date.now() < deadline; attempt += 1) {
      order.attempts += 1;
      try {
        const res = await fetch(`${options.commandApi}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key, ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        last = res.status;
        const json = (await res.json().catch(() => undefined)) as { orderId?: string } | undefined;
        if (res.status < 500 && res.status !== 429 && !alsoRetry.includes(res.status))
          return { status: res.status, ...(json ? { json } : {}) };
        errors[`http ${res.status}`] = (errors[`http ${res.status}`] ?? 0) + 1;
        // A server that says when to come back (429, 503) is taken at its word, with jitter.
        retryAfterMs = Number(res.headers.get('retry-after') ?? '') * 1_000 || undefined;
      } catch (err) {
        last = (err as Error).name === 'TimeoutError' ? 'timeout' : 'connection';
        errors[last] = (errors[last] ?? 0) + 1;
      }
      const backoff = Math.min(5_000, 200 * 2 ** attempt);
      await sleep(Math.max(backoff, retryAfterMs ?? 0) * (0.5 + Math.random() / 2));
      retryAfterMs = undefined;
    }
    return { status: last };
  };

  const one = async (): Promise<void> => {
    const order: ClientOrder = { attempts: 0 };
    orders.push(order);
    const lines = 1 + Math.floor(Math.random() * 2);
    const items = Array.from({ length: lines }, (_, i) => ({
      sku: (products[Math.floor(Math.random() * products.length)] ?? products[i])?.sku as string,
      quantity: 1 + Math.floor(Math.random() * 2),
    }));
    const customerId = `chaos-${randomUUID().slice(0, 8)}`;
    const token = await signToken(await key, { subject: customerId, roles: ['customer'], ttlSeconds: 3600 });
    const auth = { authorization: `Bearer ${token}` };
    const created = await post(
      order,
      '/api/commands/orders/create',
      { items: [...new Map(items.map((l) => [l.sku, l])).values()] },
      auth,
    );
    order.created = created.status;
    const orderId = created.json?.orderId;
    if (orderId === undefined || (created.status !== 201 && created.status !== 202)) return;
    order.orderId = orderId;
    order.placeSentAt = Date.now();
    // After a 202 the order may not exist yet: its create is still on its way to the processor.
    const placed = await post(
      order,
      `/api/commands/orders/${orderId}/place`,
      {},
      auth,
      created.status === 202 ? [404] : [],
    );
    order.placed = placed.status;
  };

  const loop = (async () => {
    const every = 1_000 / options.rate;
    let next = Date.now();
    while (running) {
      const p = one().catch((err: unknown) => {
        errors[`client bug: ${(err as Error).message}`] =
          (errors[`client bug: ${(err as Error).message}`] ?? 0) + 1;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      next += every;
      await sleep(Math.max(0, next - Date.now()));
    }
  })();

  return {
    stop: async () => {
      running = false;
      await loop;
      await Promise.all([...inFlight]);
    },
    orders: () => orders,
    errors: () => ({ ...errors }),
  };
};
