import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { writeResult, provenance } from '../benchmarks/lib/results';
import { stackSettings } from '../stack/layout';
import { which } from '../stack/shell';
import { ensureEngine, type Engine } from './compose/engine';
import { buildLocalImages, LOCAL_IMAGES } from './compose/local-images';
import { missingAlerts } from './compose/loaded-rules';
import { placeOrdersEndToEnd } from './compose/orders-e2e';
import { reservePorts } from './compose/reserved-ports';
import { exec, output, seconds, step, VerifyPrerequisiteError } from './compose/shell';

/**
 * `npm run compose:verify`: docker-compose.yml proven on this machine (DESIGN §10, issue 12).
 * Starts Debian's engine if none answers, builds the local stand-ins for the vendors' images and
 * the project's image, brings compose up on host networking (docker-compose.host.yml, the image
 * variables pointing at the local images), places one order that completes and one that is
 * compensated, then removes every container and stops the engine it started.
 *   --rebuild-local   rebuild the local server and base images even when present
 *   --remove-images   also remove the images it built (the next run is cold)
 */
const ROOT = join(__dirname, '..');
const PROJECT = 'orderstream-verify';
const APP_IMAGE = process.env.ORDERSTREAM_IMAGE ?? 'orderstream:local';
/** No local image can be built for these two (neither is packaged by Debian nor on Maven Central). */
const NOT_BUILT_HERE = ['grafana', 'jaeger'];
const HEALTH_TIMEOUT_MS = 300_000;

const args = new Set(process.argv.slice(2));

/** Compose v2 as a docker plugin when present, else Debian's compose v1. */
const composeCommand = (): string[] => {
  if (output('docker', ['compose', 'version']) !== undefined) return ['docker', 'compose'];
  if (which('docker-compose')) return ['docker-compose'];
  throw new VerifyPrerequisiteError(
    'no compose: apt-get install -y docker-compose (v1), or build compose v2 from its Go module',
  );
};

const composeEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  ORDERSTREAM_IMAGE: APP_IMAGE,
  NODE_IMAGE: LOCAL_IMAGES.node,
  KAFKA_IMAGE: LOCAL_IMAGES.kafka,
  SCHEMA_REGISTRY_IMAGE: LOCAL_IMAGES.registry,
  MONGO_IMAGE: LOCAL_IMAGES.mongo,
  REDIS_IMAGE: LOCAL_IMAGES.redis,
  PROMETHEUS_IMAGE: LOCAL_IMAGES.prometheus,
});

const compose = (sub: string[], logFile?: string): Promise<void> => {
  const [command, ...prefix] = composeCommand();
  return exec(
    command as string,
    [...prefix, '-p', PROJECT, '-f', 'docker-compose.yml', '-f', 'docker-compose.host.yml', ...sub],
    { cwd: ROOT, env: composeEnv(), logFile },
  );
};

interface ContainerState {
  name: string;
  status: string;
  exitCode: number;
  health: string;
}

const containers = (): ContainerState[] => {
  const ids = output('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`]);
  if (!ids) return [];
  const format =
    '{{.Name}}|{{.State.Status}}|{{.State.ExitCode}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}';
  return (output('docker', ['inspect', '--format', format, ...ids.split('\n')]) ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', status = '', exitCode = '0', health = ''] = line.split('|');
      return { name: name.replace(/^\//, ''), status, exitCode: Number(exitCode), health };
    });
};

/** Waits until every service is healthy and the one-shots have exited 0; fails on any other exit. */
const waitAllReady = async (services: string[]): Promise<void> => {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let reported = '';
  for (;;) {
    const states = containers();
    const failed = states.filter((c) => c.status === 'exited' && c.exitCode !== 0);
    if (failed.length > 0) throw new Error(`exited with an error: ${failed.map((c) => c.name).join(', ')}`);
    const waiting = states.filter((c) => !(c.status === 'exited' || c.health === 'healthy'));
    const summary = `${states.length - waiting.length}/${services.length} ready`;
    if (states.length >= services.length && waiting.length === 0) return;
    if (summary !== reported)
      step(`  ${summary}${waiting.length ? `; waiting for ${waiting.map((c) => c.name).join(', ')}` : ''}`);
    reported = summary;
    if (Date.now() > deadline) throw new Error(`not ready after ${HEALTH_TIMEOUT_MS / 1000} s: ${summary}`);
    await sleep(1_000);
  }
};

const showLogs = (): void => {
  for (const c of containers().filter(
    (s) => s.health !== 'healthy' && !(s.status === 'exited' && s.exitCode === 0),
  )) {
    process.stdout.write(`--- ${c.name} (${c.status}${c.health ? `, ${c.health}` : ''}): last log lines\n`);
    process.stdout.write(`${output('sh', ['-c', `docker logs --tail 25 ${c.name} 2>&1`]) ?? ''}\n`);
  }
};

const PROMETHEUS = 'http://127.0.0.1:33090';

/** The composed Prometheus must have loaded every alert of observability/prometheus/alerts.yml. */
const checkAlertRulesLoaded = async (): Promise<void> => {
  const declared = parse(
    readFileSync(join(ROOT, 'observability', 'prometheus', 'alerts.yml'), 'utf8'),
  ) as unknown;
  const res = await fetch(`${PROMETHEUS}/api/v1/rules?type=alert`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${PROMETHEUS}/api/v1/rules answered ${res.status}`);
  const { declared: names, missing } = missingAlerts(declared, await res.json());
  if (missing.length > 0)
    throw new Error(
      `Prometheus has not loaded ${missing.length} of ${names.length} alerts: ${missing.join(', ')}`,
    );
  step(`Prometheus lists all ${names.length} alert rules of alerts.yml (/api/v1/rules)`);
};

/** benchmarks/results/compose-verify-{cold,warm}.json: the run's figures, generated, never typed. */
const recordFigures = (figures: Record<string, number>): void => {
  const all = Object.keys(LOCAL_IMAGES).length;
  const kind =
    figures.localImagesBuilt === 0 ? 'warm' : figures.localImagesBuilt === all ? 'cold' : 'partial';
  const file = writeResult({
    name: `compose-verify-${kind}`,
    description:
      `npm run compose:verify with ${kind === 'warm' ? 'every local image present' : `${figures.localImagesBuilt} of ${all} local images built`}: ` +
      'the local server images, the project image (docker layer cache as the engine had it), compose up ' +
      'until every service is healthy, one order completed and one compensated, then everything removed.',
    ...provenance(),
    settings: { composeProject: PROJECT, appImage: APP_IMAGE, rebuildLocal: args.has('--rebuild-local') },
    figures: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    tables: [],
  });
  step(`figures written to ${file}`);
};

const main = async (): Promise<void> => {
  const total = Date.now();
  const workDir = join(tmpdir(), 'orderstream-compose-verify');
  mkdirSync(workDir, { recursive: true });
  composeCommand();
  const engine: Engine = await ensureEngine({ cacheDir: stackSettings().layout.cacheDir });
  // Every docker and compose child of this run talks to that engine, never the default socket.
  process.env.DOCKER_HOST = engine.host;
  const releasePorts = reservePorts('33000-33999');
  const figures: string[] = [];
  const measured: Record<string, number> = {};
  let upStarted = 0;
  try {
    let started = Date.now();
    const built = await buildLocalImages(workDir, args.has('--rebuild-local'));
    measured.localImagesBuilt = built.length;
    measured.localImagesBuildSeconds = (Date.now() - started) / 1000;
    figures.push(`local images: ${built.length} built in ${seconds(started)}`);
    started = Date.now();
    step(`building ${APP_IMAGE} FROM ${LOCAL_IMAGES.node} (log: ${workDir}/build-app.log)`);
    await exec(
      'docker',
      ['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${LOCAL_IMAGES.node}`, '-t', APP_IMAGE, '.'],
      { cwd: ROOT, logFile: join(workDir, 'build-app.log') },
    );
    const size = Number(output('docker', ['image', 'inspect', '--format', '{{.Size}}', APP_IMAGE]));
    measured.appImageBuildSeconds = (Date.now() - started) / 1000;
    measured.appImageSizeMB = Math.round(size / 1e6);
    figures.push(`image build: ${seconds(started)}`, `image size: ${(size / 1e6).toFixed(0)} MB`);
    step(`built ${APP_IMAGE} in ${seconds(started)} (${(size / 1e6).toFixed(0)} MB)`);

    const [command, ...prefix] = composeCommand();
    const all = (
      output(
        command as string,
        [...prefix, '-f', 'docker-compose.yml', 'config', '--services'],
        composeEnv(),
      ) ?? ''
    )
      .split('\n')
      .filter(Boolean);
    const services = all.filter((s) => !NOT_BUILT_HERE.includes(s));
    step(
      `compose up: ${services.length} services (${NOT_BUILT_HERE.join(', ')} need the vendors' images: not started here)`,
    );
    started = Date.now();
    upStarted = started;
    await compose(['up', '-d', '--no-build', ...services], join(workDir, 'compose-up.log'));
    await waitAllReady(services);
    measured.composeUpToHealthySeconds = (Date.now() - started) / 1000;
    figures.push(`compose up -> all healthy: ${seconds(started)}`);
    step(`all ${services.length} services ready in ${seconds(started)}`);

    await checkAlertRulesLoaded();

    started = Date.now();
    await placeOrdersEndToEnd({
      commandApi: 'http://127.0.0.1:33081',
      queryApi: 'http://127.0.0.1:33080',
      paymentGateway: 'http://127.0.0.1:33191',
      // Signed inside the composed system with the key its roles share (the auth-keys volume).
      customerToken: async (customerId) => {
        const printed = output('docker', [
          'exec',
          `${PROJECT}_command-api_1`,
          'node',
          'dist/bin/token.js',
          '--role',
          'customer',
          '--sub',
          customerId,
        ]);
        const token = printed?.split('\n').pop();
        if (!token)
          throw new Error('could not get a token from the command-api container (dist/bin/token.js)');
        return token;
      },
    });
    measured.ordersEndToEndSeconds = (Date.now() - started) / 1000;
    figures.push(`orders end to end: ${seconds(started)}`);
  } catch (err) {
    if (upStarted) showLogs();
    throw err;
  } finally {
    step('compose down: removing every container');
    await compose(
      ['down', '--remove-orphans', '--volumes', '--timeout', '20'],
      join(workDir, 'compose-down.log'),
    ).catch((err: unknown) => step(`compose down failed: ${String(err)}`));
    const left = containers();
    if (left.length > 0) {
      step(`removing ${left.length} containers compose left`);
      await exec('docker', ['rm', '-f', ...left.map((c) => c.name)]).catch(() => {});
    }
    if (args.has('--remove-images')) {
      const images = [APP_IMAGE, ...Object.values(LOCAL_IMAGES)].reverse();
      await exec('docker', ['rmi', '-f', ...images]).catch(() => {});
      await exec('docker', ['image', 'prune', '-f'], { logFile: join(workDir, 'prune.log') }).catch(() => {});
    }
    releasePorts();
    await engine.stop();
  }
  measured.totalSeconds = (Date.now() - total) / 1000;
  figures.push(`total: ${seconds(total)}`);
  step(`PASSED\n  ${figures.join('\n  ')}`);
  recordFigures(measured);
};

main().catch((err: unknown) => {
  const hint = err instanceof VerifyPrerequisiteError ? 'missing prerequisite: ' : '';
  process.stderr.write(`compose-verify FAILED: ${hint}${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
