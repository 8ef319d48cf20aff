/**
 * Waiting in a test for something the system does on its own time: poll a condition until it
 * holds, or fail after `timeoutMs` saying what was awaited (and, from `describe`, what was seen
 * instead). A fixed sleep would either waste time or pass before the effect happened.
 */

const POLL_MS = 100;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it gives a value other than `undefined` and returns it. A check that throws
 * counts as "not yet"; its last error is part of the failure.
 */
export const eventually = async <T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  describe: () => string | Promise<string> = () => '',
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = await describe();
      const error = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${seen ? ` ${seen}` : ''}${error}`);
    }
    await pause(POLL_MS);
  }
};

/** Polls until `condition` holds. */
export const until = async (
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  describe?: () => string | Promise<string>,
): Promise<void> => {
  await eventually(what, async () => ((await condition()) ? true : undefined), timeoutMs, describe);
};

/**
 * Runs `check` (usually `expect` calls) until it passes; after `timeoutMs` its last failure is
 * the test's failure, so the report shows the expected and the received value.
 */
export const untilPasses = async (check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await pause(POLL_MS / 2);
    }
  }
};
