import type { Logger } from 'pino';

export interface Stoppable {
  stop(): Promise<void>;
}

export interface StartTogetherOptions {
  logger: Pick<Logger, 'warn' | 'error'>;
  /** How often to say which parts are still starting. */
  reportEveryMs?: number;
}

/**
 * Starts parts side by side and resolves with all of them, by name. While some are still starting
 * it says which ones, every `reportEveryMs` (a group join or a dependency that never answers shows
 * up by name, not as a silent hang). If any part fails, the parts that did start are stopped
 * before the first failure is thrown, so a failed start leaves nothing running behind it.
 */
export const startTogether = async <T extends Record<string, Promise<Stoppable>>>(
  parts: T,
  { logger, reportEveryMs = 30_000 }: StartTogetherOptions,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> => {
  const names = Object.keys(parts);
  const pending = new Set(names);
  const since = Date.now();
  const report = setInterval(
    () => logger.warn({ pending: [...pending], ms: Date.now() - since }, 'parts still starting'),
    reportEveryMs,
  );
  report.unref();
  const settled = await Promise.allSettled(
    names.map(async (name) => {
      const part = await (parts[name] as Promise<Stoppable>);
      pending.delete(name);
      return part;
    }),
  ).finally(() => clearInterval(report));

  const failures = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [{ name: names[i], reason: s.reason }] : [],
  );
  if (failures.length > 0) {
    const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    await Promise.allSettled(started.map((part) => part.stop()));
    for (const { name, reason } of failures)
      logger.error({ err: reason, part: name }, 'part failed to start');
    throw (failures[0] as { reason: unknown }).reason;
  }
  return Object.fromEntries(
    names.map((name, i) => [name, (settled[i] as PromiseFulfilledResult<Stoppable>).value]),
  ) as { [K in keyof T]: Awaited<T[K]> };
};
