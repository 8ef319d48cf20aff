import { loadLocalKeyPair } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';
import { envVar, readConfig } from '../lib/config/env';

/**
 * `npm run demo`: with `npm start` running, places a few orders through the command API as a
 * customer and prints each one's journey through the saga as the events arrive (read as an admin).
 * Tokens are signed with the local development key, the one `npm start` verifies with.
 */
const config = readConfig(process.env, {
  COMMAND_API_URL: envVar.url({ default: 'http://127.0.0.1:8081' }),
  PAYMENT_GATEWAY_URL: envVar.url({ default: 'http://127.0.0.1:8091' }),
});
const API = config.COMMAND_API_URL;
const GATEWAY = config.PAYMENT_GATEWAY_URL;

interface StoredEvent {
  version: number;
  type: string;
  data: Record<string, unknown>;
}

const CUSTOMER = `demo-${Date.now() % 1000}`;
const tokens = (async () => {
  const key = await loadLocalKeyPair();
  return {
    customer: await signToken(key, { subject: CUSTOMER, roles: ['customer'] }),
    admin: await signToken(key, { subject: 'demo-admin', roles: ['admin'] }),
  };
})();
const bearer = async (role: 'customer' | 'admin') => ({ authorization: `Bearer ${(await tokens)[role]}` });

const post = async (url: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(url, {
    method: 'POST',
    // The simulators ignore the token; the command API needs it.
    headers: { 'content-type': 'application/json', ...(await bearer('customer')) },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
};

const detail = (e: StoredEvent): string => {
  const d = e.data;
  switch (e.type) {
    case 'OrderItemReserved':
      return `${String(d.sku)} × ${String(d.quantity)}`;
    case 'OrderPaid':
      return `${String(d.amount)} minor units, payment ${String(d.paymentId)}`;
    case 'OrderShipped':
      return `${String(d.carrier)} ${String(d.trackingNumber)}`;
    case 'OrderCancelled':
      return `${String(d.reasonCode)}: ${String(d.reason)}`;
    default:
      return '';
  }
};

const follow = async (orderId: string, title: string): Promise<string> => {
  process.stdout.write(`\n▶ ${title}  (order ${orderId})\n`);
  const started = Date.now();
  let seen = 0;
  while (Date.now() - started < 60_000) {
    const res = await fetch(`${API}/api/admin/events/${orderId}`, { headers: await bearer('admin') });
    const events = res.ok ? ((await res.json()) as { events: StoredEvent[] }).events : [];
    for (const e of events.slice(seen)) {
      const at = `+${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
      process.stdout.write(`  ${at}  v${e.version} ${e.type.padEnd(24)} ${detail(e)}\n`);
    }
    seen = Math.max(seen, events.length);
    const last = events.at(-1)?.type;
    if (last === 'OrderCompleted' || last === 'OrderCancelled') return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  return 'still running after 60 s';
};

const create = async (items: { sku: string; quantity: number }[]): Promise<string> =>
  String((await post(`${API}/api/commands/orders/create`, { items })).orderId);

const main = async (): Promise<void> => {
  const happy = await create([
    { sku: 'BOOK-0001', quantity: 1 },
    { sku: 'ELEC-0002', quantity: 2 },
  ]);
  await post(`${API}/api/commands/orders/${happy}/place`, {});
  await follow(happy, 'a two-item order goes all the way');

  const greedy = await create([
    { sku: 'BOOK-0002', quantity: 1 },
    { sku: 'BOOK-0003', quantity: 1000 },
  ]);
  await post(`${API}/api/commands/orders/${greedy}/place`, {});
  await follow(greedy, 'more than the warehouse holds: the first line is released, the order cancelled');

  await post(`${GATEWAY}/admin/failures`, { declineRate: 1 });
  try {
    const declined = await create([{ sku: 'BOOK-0004', quantity: 1 }]);
    await post(`${API}/api/commands/orders/${declined}/place`, {});
    await follow(declined, 'the card is declined: stock released, order cancelled');
  } finally {
    await post(`${GATEWAY}/admin/failures`, {});
  }

  const changed = await create([{ sku: 'BOOK-0001', quantity: 1 }]);
  await post(`${API}/api/commands/orders/${changed}/place`, {});
  await post(`${API}/api/commands/orders/${changed}/cancel`, { reason: 'changed my mind' });
  await follow(changed, 'the customer cancels right after placing');
};

main().catch((err: unknown) => {
  process.stderr.write(
    `✗ ${err instanceof Error ? err.message : String(err)}\n  Is the pipeline running? Start it with \`npm start\` in another terminal.\n`,
  );
  process.exitCode = 1;
});
