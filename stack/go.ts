import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrerequisiteError } from '../lib/errors';
import type { StackLayout } from './layout';
import type { Progress } from './progress';
import { run, which } from './shell';

/** Go's caches inside the stack's cache, so a rebuild (or a second machine's warm cache) is quick. */
export const goEnv = (layout: StackLayout): NodeJS.ProcessEnv => ({
  ...process.env,
  GOMODCACHE: join(layout.cacheDir, 'go', 'mod'),
  GOCACHE: join(layout.cacheDir, 'go', 'build'),
  GOFLAGS: '-modcacherw',
  // The machine's Go builds these versions; never fetch another toolchain.
  GOTOOLCHAIN: 'local',
  CGO_ENABLED: '0',
});

export interface GoProgram {
  /** The progress and log name, e.g. `jaeger`. */
  name: string;
  /** The module that holds the program, e.g. `github.com/jaegertracing/jaeger`. */
  module: string;
  /** The program's package inside it, e.g. `github.com/jaegertracing/jaeger/cmd/jaeger`. */
  pkg: string;
  version: string;
  /** Where the binary goes. */
  binary: string;
}

/**
 * Builds a program from the Go module proxy inside a throwaway module that requires it as a tool
 * (`go get -tool`): the way that works for modules whose go.mod has replace directives, which
 * `go install pkg@version` refuses. First time only; the caller checks for the binary.
 */
export const buildGoProgram = async (
  layout: StackLayout,
  progress: Progress,
  program: GoProgram,
): Promise<string> => {
  const go = which('go');
  if (!go) throw new PrerequisiteError(`install Go 1.24+ to build ${program.name} from its Go module`);
  const t0 = Date.now();
  mkdirSync(layout.logDir, { recursive: true });
  mkdirSync(layout.toolDir, { recursive: true });
  const work = mkdtempSync(join(layout.toolDir, `${program.name}-build-`));
  const options = {
    service: program.name,
    progress,
    logFile: join(layout.logDir, `provision-${program.name}.log`),
    env: goEnv(layout),
    cwd: work,
  };
  try {
    progress.step(
      program.name,
      `building ${program.pkg}@${program.version} from the Go module proxy (first time only, minutes)`,
    );
    writeFileSync(join(work, 'go.mod'), `module orderstream.local/${program.name}\n\ngo 1.24\n`);
    await run(go, ['get', '-tool', `${program.pkg}@${program.version}`], options);
    await run(go, ['build', '-trimpath', '-o', join(work, 'out'), program.pkg], options);
    mkdirSync(join(program.binary, '..'), { recursive: true });
    renameSync(join(work, 'out'), program.binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  progress.done(program.name, `${program.name} ${program.version} built at ${program.binary}`, t0);
  return program.binary;
};
