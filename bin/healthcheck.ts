import { readFileSync } from 'node:fs';

/**
 * The image's HEALTHCHECK: GET /health/live of the role running in this container. The port is
 * HEALTH_PORT (Kafka roles) or PORT (HTTP roles); without either, the role's default, read from
 * PID 1's command line (`tini -- node dist/bin/role.js <role>`), so a bare `docker run` is checked too.
 */
const DEFAULT_PORTS: Record<string, number> = {
  'command-api': 8081,
  'query-api': 8080,
  projections: 9101,
  'payment-gateway': 8091,
  carrier: 8092,
  'notification-provider': 8093,
};

const roleOfPid1 = (fallback: string | undefined): string | undefined => {
  try {
    const argv = readFileSync('/proc/1/cmdline', 'utf8')
      .split('\0')
      .filter((arg) => arg !== '');
    const script = argv.findIndex((arg) => arg.endsWith('role.js'));
    return script === -1 ? fallback : (argv[script + 1] ?? fallback);
  } catch {
    return fallback;
  }
};

const port = (env: NodeJS.ProcessEnv): number => {
  const fromEnv = env.HEALTH_PORT ?? env.PORT;
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv);
  const role = roleOfPid1(env.ROLE);
  // Every pipeline part, alone or together, serves health on the processors' port.
  return (role === undefined ? undefined : DEFAULT_PORTS[role]) ?? 9100;
};

const check = async (env: NodeJS.ProcessEnv): Promise<void> => {
  const res = await fetch(`http://127.0.0.1:${port(env)}/health/live`, {
    signal: AbortSignal.timeout(4_000),
  });
  if (!res.ok) throw new Error(`/health/live answered ${res.status}`);
};

check(process.env).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
