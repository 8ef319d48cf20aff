import { createServer } from 'node:net';

/**
 * Ports handed to servers that cannot listen on port 0 come from above the kernel's ephemeral
 * range (32768–60999 on Linux). A port picked with `listen(0)` and released is an ephemeral one:
 * any outgoing connection (a Kafka client, a Prometheus scrape kept alive) may take it as its local
 * port before the server binds it, and hold it for as long as the connection lives.
 */
const FIRST = 61_000;
const LAST = 65_535;
/** Each jest worker draws from a block of its own, so two test files running at once never meet. */
const BLOCK = 500;
const BLOCKS = Math.floor((LAST - FIRST + 1) / BLOCK);

const worker = Number(process.env.JEST_WORKER_ID ?? '1');
const blockStart = FIRST + ((Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % BLOCKS) * BLOCK;
let next = 0;

const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A port free on loopback right now, outside the ephemeral range, for a server that cannot listen on port 0. */
export const freePort = async (): Promise<number> => {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = blockStart + (next++ % BLOCK);
    if (await bindable(port)) return port;
  }
  throw new Error(
    `no free port in ${blockStart}–${blockStart + BLOCK - 1}: stop the servers still listening there`,
  );
};
