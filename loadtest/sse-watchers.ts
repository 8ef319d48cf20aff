import type { ClientOrder } from '../chaos/load';
import type { Observer } from '../chaos/observer';
import type { SseResult } from './model';
import { newHistogram, summarize } from './open-model';

const TERMINAL = new Set(['Completed', 'Cancelled']);

/**
 * Browsers watching their order: up to `max` SSE streams on orders as they are placed, each read
 * until the order's terminal status arrives. The delay reported is from the terminal event's own
 * timestamp to the moment the stream delivered it.
 */
export const watchOrders = (
  queryApi: string,
  max: number,
  headersFor: (watcher: number) => Promise<Record<string, string>>,
) => {
  const heard = new Map<string, number>();
  const errors: Record<string, number> = {};
  const watching = new Set<string>();
  const controllers: AbortController[] = [];
  const streams: Promise<void>[] = [];

  const watch = async (orderId: string, watcher: number, controller: AbortController): Promise<void> => {
    try {
      const res = await fetch(`${queryApi}/api/queries/orders/${orderId}/stream`, {
        headers: { accept: 'text/event-stream', ...(await headersFor(watcher)) },
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        errors[`http ${res.status}`] = (errors[`http ${res.status}`] ?? 0) + 1;
        return;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const { status } = JSON.parse(data.slice(6)) as { status?: string };
          if (status && TERMINAL.has(status)) {
            heard.set(orderId, Date.now());
            controller.abort();
            return;
          }
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      const kind = (err as Error).name;
      errors[kind] = (errors[kind] ?? 0) + 1;
    }
  };

  return {
    /** Starts watching newly placed orders until `max` streams are open. */
    offer(orders: readonly ClientOrder[]): void {
      for (const order of orders) {
        if (watching.size >= max) return;
        if (!order.orderId || watching.has(order.orderId) || order.placed === undefined) continue;
        watching.add(order.orderId);
        const controller = new AbortController();
        controllers.push(controller);
        streams.push(watch(order.orderId, watching.size, controller));
      }
    },
    async stop(observer: Observer): Promise<SseResult> {
      for (const c of controllers) c.abort();
      await Promise.all(streams);
      const delays = newHistogram();
      for (const [id, at] of heard) {
        const terminalAt = observer.orders().get(id)?.terminalAt;
        if (terminalAt !== undefined) delays.recordValue(Math.max(1, at - terminalAt));
      }
      return {
        watchers: watching.size,
        heardTerminal: heard.size,
        terminalToStreamMs: summarize(delays),
        errors,
      };
    },
  };
};
