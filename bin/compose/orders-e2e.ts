import { setTimeout as sleep } from 'node:timers/promises';
import { step } from './shell';

export interface ComposedEndpoints {
  commandApi: string;
  queryApi: string;
  paymentGateway: string;
  /** A customer's bearer token (DESIGN §11): the order's customerId comes from it. */
  customerToken(customerId: string): Promise<string>;
}

interface OrderView {
  status: string;
  cancellationReason?: string;
}

const post = async (url: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
};

/** Creates and places a one-line order through the command API; returns its id. */
const placeOrder = async (
  api: ComposedEndpoints,
  token: string,
  customerId: string,
  sku: string,
): Promise<string> => {
  const created = await post(
    `${api.commandApi}/api/commands/orders/create`,
    { customerId, items: [{ sku, quantity: 1 }] },
    token,
  );
  const orderId = String(created.orderId);
  await post(`${api.commandApi}/api/commands/orders/${orderId}/place`, {}, token);
  return orderId;
};

/** Polls the query API (so the projections are proven too) until the order reaches a final status. */
const finalStatus = async (
  api: ComposedEndpoints,
  token: string,
  orderId: string,
  timeoutMs: number,
): Promise<OrderView> => {
  const deadline = Date.now() + timeoutMs;
  let last = 'not yet projected';
  while (Date.now() < deadline) {
    const res = await fetch(`${api.queryApi}/api/queries/orders/${orderId}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5_000),
    }).catch(() => undefined);
    if (res?.ok) {
      const view = (await res.json()) as OrderView;
      if (view.status !== last) step(`  order ${orderId}: ${view.status}`);
      last = view.status;
      if (view.status === 'Completed' || view.status === 'Cancelled') return view;
    }
    await sleep(500);
  }
  throw new Error(`order ${orderId} did not finish within ${timeoutMs / 1000} s (last status: ${last})`);
};

/**
 * The end-to-end proof: one order goes all the way to Completed; with the payment gateway
 * declining everything, the next is compensated (stock released, order Cancelled).
 */
export const placeOrdersEndToEnd = async (api: ComposedEndpoints, timeoutMs = 180_000): Promise<void> => {
  const run = Date.now().toString(36);
  step('placing an order that should complete');
  const first = `verify-${run}-1`;
  const firstToken = await api.customerToken(first);
  const happy = await finalStatus(
    api,
    firstToken,
    await placeOrder(api, firstToken, first, 'BOOK-0001'),
    timeoutMs,
  );
  if (happy.status !== 'Completed')
    throw new Error(`the first order ended ${happy.status}, expected Completed`);

  step('payment gateway: declineRate 1; placing an order that should be compensated');
  await post(`${api.paymentGateway}/admin/failures`, { declineRate: 1 });
  try {
    const second = `verify-${run}-2`;
    const secondToken = await api.customerToken(second);
    const declined = await finalStatus(
      api,
      secondToken,
      await placeOrder(api, secondToken, second, 'BOOK-0002'),
      timeoutMs,
    );
    if (declined.status !== 'Cancelled')
      throw new Error(`the declined order ended ${declined.status}, expected Cancelled`);
    step(`  compensated: ${declined.cancellationReason ?? '(no reason given)'}`);
  } finally {
    await post(`${api.paymentGateway}/admin/failures`, { declineRate: 0 }).catch(() => {});
  }
};
