/**
 * A supervised process (spawned with an IPC channel by lib/process/supervisor.ts) stops when its
 * supervisor is gone, however it went: SIGKILL, a crash, or a test runner killed mid-run. Without
 * this it would live on as an orphan, holding its port, and the next `npm start` could not bind it.
 * The stop is the process's own graceful one (its SIGTERM handler). Outside a supervisor (no IPC
 * channel) this does nothing.
 */
let watching = false;

export const exitWithParent = (): void => {
  // Once per process: a second listener would send a second SIGTERM into a graceful stop.
  if (!process.send || watching) return;
  watching = true;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep the process alive on its own, nor stop it from exiting.
  process.channel?.unref();
};
