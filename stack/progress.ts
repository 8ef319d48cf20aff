/** Human progress lines for long provisioning work: what is happening and how long it took. */
export interface Progress {
  step(service: string, message: string): void;
  done(service: string, message: string, startedAt: number): void;
  fail(service: string, message: string): void;
  heartbeat(service: string, message: string, startedAt: number): void;
}

const seconds = (startedAt: number): string => `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;

export const consoleProgress = (
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Progress => ({
  step: (service, message) => write(`▸ ${service.padEnd(9)} ${message}`),
  done: (service, message, startedAt) => write(`✓ ${service.padEnd(9)} ${message} (${seconds(startedAt)})`),
  fail: (service, message) => write(`✗ ${service.padEnd(9)} ${message}`),
  heartbeat: (service, message, startedAt) =>
    write(`  ${service.padEnd(9)} … ${message} (${seconds(startedAt)})`),
});

export const silentProgress: Progress = {
  step: () => {},
  done: () => {},
  fail: () => {},
  heartbeat: () => {},
};
