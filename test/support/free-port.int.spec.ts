import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './free-port';

describe('freePort', () => {
  it('hands out distinct bindable ports above the ephemeral range outgoing connections draw from', async () => {
    const [, ephemeralLast = 60_999] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = [await freePort(), await freePort(), await freePort()];

    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(port).toBeGreaterThan(ephemeralLast);
  });

  it('passes over a port another server holds', async () => {
    const held = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(held + 1, '127.0.0.1', resolve));
    try {
      expect(await freePort()).toBe(held + 2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
