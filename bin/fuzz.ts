import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadLocalKeyPair } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';
import { stackSettings } from '../stack/layout';
import { consoleProgress } from '../stack/progress';
import { run } from '../stack/shell';
import { envVar, readConfig } from '../lib/config/env';
import { plainBanner } from './fuzz-output';

/**
 * `npm run fuzz`: schemathesis over both OpenAPI documents against the whole system as
 * `npm start` runs it. Fails on any server error, any status or body the documents do not
 * describe, and any service that exits during the run. schemathesis is installed from PyPI
 * into a virtualenv in the stack's cache, pinned, so a warm run starts at once. It sends an admin
 * token (signed with the local key the system verifies with), so every route is reachable, and the
 * system runs without rate limits: the contract is under test here, not the limiter.
 */
const SCHEMATHESIS = 'schemathesis==4.32.5';
const ROOT = join(__dirname, '..');
const progress = consoleProgress();

const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'positive_data_acceptance',
  'missing_required_header',
  'unsupported_method',
];

const ensureSchemathesis = async (): Promise<string> => {
  const { layout } = stackSettings();
  const venv = join(layout.toolDir, 'schemathesis-venv');
  const st = join(venv, 'bin', 'st');
  const stamp = join(venv, `.${SCHEMATHESIS}`);
  if (existsSync(st) && existsSync(stamp)) return st;
  const t0 = Date.now();
  mkdirSync(layout.logDir, { recursive: true });
  const logFile = join(layout.logDir, 'provision-schemathesis.log');
  progress.step('fuzz', `installing ${SCHEMATHESIS} from PyPI into ${venv}`);
  const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : 'python';
  await run(python, ['-m', 'venv', venv], { logFile, service: 'fuzz', progress });
  await run(join(venv, 'bin', 'pip'), ['install', '--quiet', SCHEMATHESIS], {
    logFile,
    service: 'fuzz',
    progress,
  });
  writeFileSync(stamp, new Date().toISOString());
  progress.done('fuzz', `${SCHEMATHESIS} ready`, t0);
  return st;
};

const waitReady = async (url: string, deadlineMs: number, died: () => string | undefined): Promise<void> => {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const why = died();
    if (why) throw new Error(why);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the system did not answer ${url} within ${deadlineMs / 1000} s`);
};

const main = async (): Promise<void> => {
  const config = readConfig(process.env, {
    AUTH_JWKS_URL: envVar.string({ default: '' }),
    AUTH_PUBLIC_KEY_FILE: envVar.string({ default: '' }),
    QUERY_API_PORT: envVar.port({ default: 8080 }),
    COMMAND_API_PORT: envVar.port({ default: 8081 }),
    PROCESSORS_PORT: envVar.port({ default: 9100 }),
    PROJECTIONS_PORT: envVar.port({ default: 9101 }),
    FUZZ_MAX_EXAMPLES: envVar.int({ default: 40, min: 1 }),
  });
  const st = await ensureSchemathesis();
  if (config.AUTH_JWKS_URL || config.AUTH_PUBLIC_KEY_FILE) {
    throw new Error(
      'the fuzzer signs its token with the local key: unset AUTH_JWKS_URL and AUTH_PUBLIC_KEY_FILE',
    );
  }
  const token = await signToken(await loadLocalKeyPair(), {
    subject: 'fuzz-admin',
    roles: ['admin'],
    ttlSeconds: 6 * 3600,
  });
  const queryPort = config.QUERY_API_PORT;
  const commandPort = config.COMMAND_API_PORT;
  const maxExamples = String(config.FUZZ_MAX_EXAMPLES);

  // The system, exactly as `npm start` runs it; every line is kept to find a service that died.
  const system = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'start.ts')], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0', RATE_LIMIT_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const deaths: string[] = [];
  // What the services logged about the requests they failed (5xx), with the correlation id the
  // fuzzer's report shows, so a failure in CI comes with its cause.
  const serverErrors: string[] = [];
  let systemExit: string | undefined;
  const watch = (line: string): void => {
    if (/ exited \(/.test(line) && !line.includes('|')) deaths.push(line.trim());
    if (line.includes('"msg":"request failed"') && serverErrors.length < 20) serverErrors.push(line.trim());
  };
  createInterface({ input: system.stdout }).on('line', watch);
  createInterface({ input: system.stderr }).on('line', watch);
  system.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  system.on('exit', (code, signal) => (systemExit = `npm start exited (${signal ?? code})`));

  let failed = 0;
  try {
    progress.step('fuzz', 'starting the system (npm start)');
    const t0 = Date.now();
    await waitReady(`http://127.0.0.1:${commandPort}/health/ready`, 240_000, () => systemExit);
    await waitReady(`http://127.0.0.1:${queryPort}/health/ready`, 60_000, () => systemExit);
    for (const port of [config.PROCESSORS_PORT, config.PROJECTIONS_PORT]) {
      await waitReady(`http://127.0.0.1:${port}/health/ready`, 120_000, () => systemExit);
    }
    // The catalogue is seeded after readiness; the fuzzing of orders is more useful once it is in.
    await waitReady(`http://127.0.0.1:${queryPort}/api/products/BOOK-0001`, 60_000, () => systemExit);
    progress.done('fuzz', 'system ready', t0);

    for (const [name, port] of [
      ['command API', commandPort],
      ['query API', queryPort],
    ] as const) {
      const t1 = Date.now();
      progress.step('fuzz', `schemathesis over the ${name} (http://127.0.0.1:${port}/openapi.json)`);
      const code = await new Promise<number>((resolve) => {
        const child = spawn(
          st,
          [
            '--config-file',
            join(ROOT, 'test', 'fuzz', 'schemathesis.toml'),
            'run',
            `http://127.0.0.1:${port}/openapi.json`,
            '--url',
            `http://127.0.0.1:${port}`,
            '--checks',
            CHECKS.join(','),
            '--max-examples',
            maxExamples,
            // One worker: with two, hypothesis parses lambdas' sources in two threads at once and
            // CPython 3.11's parser fails now and then ("AST constructor recursion depth mismatch").
            '--workers',
            '1',
            '--header',
            `Authorization: Bearer ${token}`,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } },
        );
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => process.stdout.write(`${plainBanner(line)}\n`));
        // The verdict waits for the last line too, so the report is whole before it.
        Promise.all([once(lines, 'close'), once(child, 'exit')]).then(
          ([, [c]]) => resolve(typeof c === 'number' ? c : 1),
          (err: unknown) => {
            process.stderr.write(`schemathesis did not run: ${String(err)}\n`);
            resolve(1);
          },
        );
      });
      if (code !== 0) failed += 1;
      progress[code === 0 ? 'done' : 'fail']('fuzz', `${name}: schemathesis exited with ${code}`, t1);
    }
    if (serverErrors.length > 0) {
      process.stdout.write(`\nthe services logged ${serverErrors.length} failed request(s):\n`);
      for (const line of serverErrors) process.stdout.write(`${line}\n`);
    }
    if (deaths.length > 0 || systemExit) {
      failed += 1;
      progress.fail(
        'fuzz',
        `a service died during the run: ${[...deaths, systemExit].filter(Boolean).join('; ')}`,
      );
    }
  } finally {
    system.kill('SIGTERM');
    await new Promise((r) => (system.exitCode !== null ? r(null) : system.once('exit', r)));
  }
  if (failed > 0) {
    process.stderr.write(`✗ fuzz: ${failed} problem(s); the report above has a curl line for each\n`);
    process.exit(1);
  }
  process.stdout.write('✓ fuzz: no server error, every answer documented, no service died\n');
};

main().catch((err: unknown) => {
  process.stderr.write(`✗ fuzz: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
