/**
 * A background round on a timer (deadline checks, tracking polls, compensation retries, the
 * admission backlog, the MongoDB watchdog): `round` runs every `everyMs`, never two at once — a
 * round still running when the next is due is skipped, not stacked — and a failed round goes to
 * `onError` while the next one runs as usual.
 */
export interface RunEveryOptions {
  /** Do not keep the process alive for this timer alone. */
  unref?: boolean;
}

export const runEvery = (
  everyMs: number,
  round: () => Promise<void>,
  onError: (err: unknown) => void,
  { unref = false }: RunEveryOptions = {},
): { stop(): void } => {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    round()
      .catch(onError)
      .finally(() => (running = false));
  }, everyMs);
  if (unref) timer.unref();
  return { stop: () => clearInterval(timer) };
};
