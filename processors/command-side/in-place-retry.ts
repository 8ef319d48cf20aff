/*
 * The pieces of the command processor's in-place retry: a batch that failed transiently is
 * retried inside `eachBatch`, never thrown to kafkajs, so the partition's position cannot move
 * past it (DESIGN §12).
 */

/** The producer lost its transactional id to another owner: retrying cannot help. */
export const isFenced = (err: unknown): boolean => {
  const type = (err as { type?: string }).type ?? '';
  return ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'].includes(
    type,
  );
};

/** Waits, heartbeating so the group keeps the partition with us; stops early when the consumer stops. */
export const pauseWithHeartbeat = async (
  ms: number,
  heartbeat: () => Promise<void>,
  isRunning: () => boolean,
): Promise<void> => {
  const until = Date.now() + ms;
  while (isRunning() && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, until - Date.now())));
    await heartbeat();
  }
};

/** Capped exponential backoff, jittered over its upper half so retrying owners spread out. */
export const backoffMs = (attempt: number, initialMs: number, maxMs: number): number => {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
};
