import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OrderstreamError } from '../lib/errors';
import { endpointsToEnv, localEndpoints, stackSettings } from './layout';
import { down, SERVICES, type ServiceName, status, up } from './local-stack';
import { consoleProgress } from './progress';
import { logFileOf, tail } from './supervisor';

const USAGE = `usage: npm run stack -- <command> [service…]

  up [service…]      provision what is missing, start, wait until healthy (idempotent)
  down [service…]    stop the servers this stack started
  status             each server: version, port, pid, health
  env                KAFKA_BROKERS=… lines for eval/export: export $(npm run -s stack -- env)
  logs [service] [-n N]  the last N (default 40) lines of each server's log, with its path
  reset              down, then delete the stack's data (topics, schemas, documents)

services: ${SERVICES.map((s) => s.name).join(', ')}
cache: $ORDERSTREAM_CACHE_DIR (default ~/.cache/orderstream)`;

const parseServices = (args: string[]): ServiceName[] | undefined => {
  const names = args.filter((a) => !a.startsWith('-'));
  if (names.length === 0) return undefined;
  const known = SERVICES.map((s) => s.name) as string[];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new Error(`unknown service ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return names as ServiceName[];
};

const main = async (argv: string[]): Promise<void> => {
  const [command, ...rest] = argv;
  const settings = stackSettings();
  const progress = consoleProgress();
  switch (command) {
    case 'up': {
      const t0 = Date.now();
      await up(settings, progress, parseServices(rest));
      process.stderr.write(`stack ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; endpoints:\n`);
      for (const [k, v] of Object.entries(endpointsToEnv(localEndpoints(settings))))
        process.stderr.write(`  ${k}=${v}\n`);
      return;
    }
    case 'down':
      await down(settings, progress, parseServices(rest));
      return;
    case 'status': {
      const rows = await status(settings);
      for (const r of rows) {
        const state = r.healthy ? 'healthy' : r.owner === 'stack' ? 'UNHEALTHY' : 'stopped';
        const owner =
          r.owner === 'stack' ? `pid ${r.pid}` : r.owner === 'external' ? 'not started by this stack' : '';
        process.stdout.write(
          `${r.name.padEnd(9)} ${state.padEnd(10)} port ${String(r.port).padEnd(6)} ${r.version}  ${owner}\n`,
        );
      }
      return;
    }
    case 'env':
      for (const [k, v] of Object.entries(endpointsToEnv(localEndpoints(settings))))
        process.stdout.write(`${k}=${v}\n`);
      return;
    case 'logs': {
      const nIndex = rest.indexOf('-n');
      const lines = nIndex >= 0 ? Number(rest[nIndex + 1]) : 40;
      const names =
        parseServices(rest.filter((_, i) => i !== nIndex + 1 || nIndex < 0)) ?? SERVICES.map((s) => s.name);
      for (const name of names) {
        const file = logFileOf(settings.layout, name);
        process.stdout.write(`==> ${file} <==\n${existsSync(file) ? tail(file, lines) : '(no log yet)'}\n`);
      }
      return;
    }
    case 'reset':
      await down(settings, progress);
      if (existsSync(settings.layout.dataDir)) {
        for (const entry of readdirSync(settings.layout.dataDir))
          rmSync(join(settings.layout.dataDir, entry), { recursive: true, force: true });
      }
      process.stderr.write(`deleted ${settings.layout.dataDir}\n`);
      return;
    default:
      process.stdout.write(`${USAGE}\n`);
      if (command !== undefined && command !== 'help' && command !== '--help') process.exitCode = 2;
  }
};

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof OrderstreamError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`✗ ${message}\n`);
  process.exitCode = 1;
});
