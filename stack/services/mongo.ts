import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connectMongo } from '../../lib/adapters/mongo';
import { PrerequisiteError } from '../../lib/errors';
import { capture, requireTool, run, which } from '../shell';
import type { LocalService, ServiceContext } from '../service';
import { applyFerretPatches, FERRETDB_PATCH_LEVEL } from './ferretdb-patches';

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

const ferretBinary = (ctx: ServiceContext): string =>
  join(ctx.settings.layout.binDir, `ferretdb-${ctx.settings.versions.ferretdb}-${FERRETDB_PATCH_LEVEL}`);

/** Which server we run: a real mongod when the machine has one, else FerretDB (SQLite). */
const flavour = (): 'mongod' | 'ferretdb' => (which('mongod') ? 'mongod' : 'ferretdb');

const goEnv = (ctx: ServiceContext): NodeJS.ProcessEnv => {
  const go = join(ctx.settings.layout.cacheDir, 'go');
  return {
    ...process.env,
    GOMODCACHE: join(go, 'mod'),
    GOCACHE: join(go, 'build'),
    GOFLAGS: '-modcacherw',
    // Never let go download another toolchain: the machine's Go builds FerretDB v1.
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
};

const makeWritable = (dir: string): void => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    chmodSync(path, stat.mode | 0o200);
    if (stat.isDirectory()) makeWritable(path);
  }
};

/**
 * `go install …@version` is refused by the module proxy here (its version list is not
 * served), so we download the exact module version, stamp the version file its build
 * embeds, apply the pushdown edits of ferretdb-patches.ts, and build the binary ourselves.
 */
const buildFerret = async (ctx: ServiceContext): Promise<void> => {
  const { settings, progress } = ctx;
  const go = requireTool('go', 'install Go 1.22+ (https://go.dev/doc/install) or put mongod on PATH');
  const started = Date.now();
  const env = goEnv(ctx);
  const logFile = join(settings.layout.logDir, 'provision-mongo.log');
  mkdirSync(settings.layout.logDir, { recursive: true });
  progress.step(
    'mongo',
    `downloading FerretDB ${settings.versions.ferretdb} sources from the Go module proxy`,
  );
  const download = spawnSync(
    go,
    ['mod', 'download', '-json', `${FERRETDB_MODULE}@${settings.versions.ferretdb}`],
    {
      env,
      encoding: 'utf8',
    },
  );
  if (download.status !== 0) {
    throw new PrerequisiteError(
      `go mod download ${FERRETDB_MODULE} failed: ${download.stderr || download.stdout}`,
    );
  }
  const moduleDir = (JSON.parse(download.stdout) as { Dir: string }).Dir;
  // Keyed by patch level as the binary is: a build of a new level never touches another's sources.
  const source = join(
    settings.layout.toolDir,
    `ferretdb-src-${settings.versions.ferretdb}-${FERRETDB_PATCH_LEVEL}`,
  );
  rmSync(source, { recursive: true, force: true });
  cpSync(moduleDir, source, { recursive: true });
  makeWritable(source);
  writeFileSync(join(source, 'build', 'version', 'version.txt'), `${settings.versions.ferretdb}\n`);
  applyFerretPatches(source);
  progress.step('mongo', 'building FerretDB (first time only: a few minutes on 2 cores)');
  mkdirSync(settings.layout.binDir, { recursive: true });
  const partial = `${ferretBinary(ctx)}.partial`;
  await run(go, ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], {
    service: 'mongo',
    progress,
    logFile,
    env,
    cwd: source,
  });
  renameSync(partial, ferretBinary(ctx));
  rmSync(source, { recursive: true, force: true });
  progress.done('mongo', `FerretDB ${settings.versions.ferretdb} built at ${ferretBinary(ctx)}`, started);
};

export const mongoService: LocalService = {
  name: 'mongo',
  startTimeoutMs: 30_000,
  version: (ctx) => {
    if (flavour() === 'mongod') {
      const out = capture(which('mongod') as string, ['--version']);
      return `MongoDB ${out?.match(/db version v(\S+)/)?.[1] ?? '?'} (mongod)`;
    }
    return `FerretDB ${ctx.settings.versions.ferretdb} (SQLite backend, index pushdown patch ${FERRETDB_PATCH_LEVEL}, MongoDB wire protocol)`;
  },
  port: (ctx) => ctx.settings.ports.mongo,

  async provision(ctx) {
    if (flavour() === 'mongod' || existsSync(ferretBinary(ctx))) return;
    await buildFerret(ctx);
  },

  async prepare(ctx) {
    const { settings } = ctx;
    if (flavour() === 'mongod') {
      const data = join(settings.layout.dataDir, 'mongod');
      mkdirSync(data, { recursive: true });
      return {
        service: 'mongo',
        command: which('mongod') as string,
        args: ['--dbpath', data, '--port', String(settings.ports.mongo), '--bind_ip', settings.host],
      };
    }
    const data = join(settings.layout.dataDir, 'ferretdb');
    const state = join(settings.layout.dataDir, 'ferretdb-state');
    mkdirSync(data, { recursive: true });
    mkdirSync(state, { recursive: true });
    return {
      service: 'mongo',
      command: ferretBinary(ctx),
      args: [
        '--handler=sqlite',
        // WAL with synchronous=NORMAL: no fsync per write. A crash of the machine may lose the
        // last writes, which the read models (rebuilt from Kafka) can afford.
        `--sqlite-url=file:${data}/?_pragma=synchronous(normal)`,
        `--listen-addr=${settings.host}:${settings.ports.mongo}`,
        `--debug-addr=${settings.host}:${settings.ports.mongo + 1}`,
        `--state-dir=${state}`,
        '--telemetry=disable',
        '--log-level=warn',
      ],
    };
  },

  async probe(ctx) {
    const mongo = await connectMongo(`mongodb://${ctx.settings.host}:${ctx.settings.ports.mongo}/`, 'admin', {
      serverSelectionTimeoutMS: 1_000,
    });
    try {
      const ping = await mongo.db.command({ ping: 1 });
      return ping.ok === 1;
    } finally {
      await mongo.close().catch(() => {});
    }
  },
};
