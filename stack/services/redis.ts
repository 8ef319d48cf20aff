import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRedis } from '../../lib/adapters/redis';
import { PrerequisiteError } from '../../lib/errors';
import { capture, installDebianPackages, which } from '../shell';
import type { LocalService, ServiceContext } from '../service';

const redisBinary = (): string | undefined =>
  which('redis-server') ?? which('redis-server', '/usr/bin:/usr/sbin');

export const redisService: LocalService = {
  name: 'redis',
  startTimeoutMs: 20_000,
  version: () => {
    const bin = redisBinary();
    const out = bin ? capture(bin, ['--version']) : undefined;
    return `Redis ${out?.match(/v=(\S+)/)?.[1] ?? '(not installed)'}`;
  },
  port: (ctx) => ctx.settings.ports.redis,

  async provision(ctx: ServiceContext) {
    if (redisBinary()) return;
    const started = Date.now();
    await installDebianPackages(['redis-server'], {
      service: 'redis',
      progress: ctx.progress,
      logDir: ctx.settings.layout.logDir,
      hint: "'redis-server' is not on PATH: install Redis (Debian: sudo apt-get install redis-server) or set REDIS_URL to a running server",
    });
    ctx.progress.done('redis', 'redis-server installed', started);
  },

  async prepare(ctx) {
    const bin = redisBinary();
    if (!bin) throw new PrerequisiteError("'redis-server' is not installed");
    const data = join(ctx.settings.layout.dataDir, 'redis');
    mkdirSync(data, { recursive: true });
    return {
      service: 'redis',
      command: bin,
      // The cache and pub/sub need no persistence; a restart starts cold, which is correct.
      args: [
        '--port',
        String(ctx.settings.ports.redis),
        '--bind',
        ctx.settings.host,
        '--dir',
        data,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
    };
  },

  async probe(ctx) {
    const client = createRedis(
      `redis://${ctx.settings.host}:${ctx.settings.ports.redis}`,
      'orderstream-stack-probe',
      {
        probe: true,
      },
    );
    client.on('error', () => {}); // a refused probe is an answer, not an event to crash on
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  },
};
