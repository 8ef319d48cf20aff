import { parseArgs } from 'node:util';
import { loadLocalKeyPair } from '../lib/auth/local-key';
import { isRole, ROLES, type Role } from '../lib/auth/principal';
import { signToken } from '../lib/auth/sign-token';

/**
 * `npm run -s token -- --role customer --sub c-1 [--ttl 1h]`: a bearer token signed with the local
 * development key (generated on first use under the stack's cache directory), which every service
 * started without AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE accepts. The token is the last line printed.
 */
const USAGE = `usage: npm run -s token -- --role <${ROLES.join('|')}> [--role …] --sub <subject> [--ttl 1h]`;

const TTL = /^(\d{1,6})([smhd]?)$/;
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
    },
  });
  const roles = values.role ?? [];
  if (roles.length === 0) fail('give at least one --role');
  const unknown = roles.filter((role) => !isRole(role));
  if (unknown.length > 0) fail(`unknown role(s): ${unknown.join(', ')}`);
  if (values.sub === undefined || values.sub === '')
    fail('give --sub, the subject (a customer id for customers)');
  const ttl = TTL.exec(values.ttl);
  if (!ttl) fail(`--ttl must look like 90, 30m, 1h or 7d, got ${values.ttl}`);
  const ttlSeconds = Number(ttl[1]) * (UNIT_SECONDS[ttl[2] ?? ''] ?? 1);
  if (ttlSeconds < 1 || ttlSeconds > 30 * 86_400) fail('--ttl must be between 1 s and 30 days');

  const key = await loadLocalKeyPair();
  const token = await signToken(key, { subject: values.sub, roles: roles as Role[], ttlSeconds });
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`token: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
