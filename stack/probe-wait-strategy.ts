import { setTimeout as sleep } from 'node:timers/promises';
import type { WaitStrategy } from 'testcontainers';

/** What the strategy needs of a container: its state (dockerode's inspect answers this shape). */
export interface InspectableContainer {
  inspect(): Promise<{ State: { Running: boolean; ExitCode: number; Status: string } }>;
}

/**
 * Ready when the server answers its own protocol from here (a Kafka metadata request, a
 * MongoDB ping…), polled until the startup timeout. On host networking testcontainers has no
 * mapped port to watch, and an open port is not a ready server. A container that stops while
 * we wait fails at once, with what it printed (`logs`).
 */
export class ProbeWaitStrategy implements WaitStrategy {
  private startupTimeoutMs = 180_000;
  private startupTimeoutSet = false;

  constructor(
    private readonly name: string,
    private readonly probe: () => Promise<boolean>,
    private readonly logs: (id: string) => string = () => '',
    private readonly pollMs = 500,
  ) {}

  async waitUntilReady(container: Parameters<WaitStrategy['waitUntilReady']>[0]): Promise<void> {
    await this.waitFor(container);
  }

  async waitFor(container: InspectableContainer & { id: string }): Promise<void> {
    const deadline = Date.now() + this.startupTimeoutMs;
    for (;;) {
      const { State } = await container.inspect();
      if (!State.Running)
        throw new Error(
          `${this.name} container ${State.Status} (exit ${State.ExitCode}) before it answered\n${this.logs(container.id)}`,
        );
      if (await this.probe().catch(() => false)) return;
      if (Date.now() >= deadline)
        throw new Error(
          `${this.name} did not answer within ${this.startupTimeoutMs / 1000} s\n${this.logs(container.id)}`,
        );
      await sleep(this.pollMs);
    }
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs;
    this.startupTimeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.startupTimeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }
}
