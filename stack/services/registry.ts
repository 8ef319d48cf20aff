import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors';
import { javaMajorVersion, requireTool, run, which } from '../shell';
import type { LocalService, ServiceContext } from '../service';

interface RegistryRuntime {
  java: string;
  javaMajor: number;
  apicurio: string;
}

/**
 * Apicurio 3.1+ needs Java 21. We look for one beside the default Java 17 (JDKs in
 * /usr/lib/jvm, JAVA_HOME, ORDERSTREAM_REGISTRY_JAVA); without one we run the last
 * Apicurio built for Java 17, which speaks the same ccompat API.
 */
export const registryRuntime = (ctx: ServiceContext): RegistryRuntime => {
  const candidates = [
    ...ctx.settings.javaCandidates,
    which('java'),
    ...(existsSync('/usr/lib/jvm')
      ? readdirSync('/usr/lib/jvm')
          .sort()
          .reverse()
          .map((dir) => join('/usr/lib/jvm', dir, 'bin', 'java'))
      : []),
  ].filter((c): c is string => c !== undefined && c !== '');
  const found = candidates
    .map((java) => ({ java, major: javaMajorVersion(java) }))
    .filter((c): c is { java: string; major: number } => c.major !== undefined);
  const modern = found.find((c) => c.major >= 21);
  if (modern) return { java: modern.java, javaMajor: modern.major, apicurio: ctx.settings.versions.apicurio };
  const legacy = found.find((c) => c.major >= 17);
  if (legacy)
    return { java: legacy.java, javaMajor: legacy.major, apicurio: ctx.settings.versions.apicurioJava17 };
  throw new PrerequisiteError(
    'no Java 17+ found for the schema registry: install a JDK (Debian: apt-get install openjdk-17-jre-headless) or set ORDERSTREAM_REGISTRY_JAVA',
  );
};

const home = (ctx: ServiceContext, version: string): string =>
  join(ctx.settings.layout.toolDir, `apicurio-registry-${version}`);

export const registryService: LocalService = {
  name: 'registry',
  startTimeoutMs: 90_000,
  version: (ctx) => {
    const rt = registryRuntime(ctx);
    return `Apicurio Registry ${rt.apicurio} (ccompat v7, Java ${rt.javaMajor})`;
  },
  port: (ctx) => ctx.settings.ports.registry,

  async provision(ctx) {
    const { settings, progress } = ctx;
    const { apicurio } = registryRuntime(ctx);
    const target = home(ctx, apicurio);
    if (existsSync(join(target, 'quarkus-run.jar'))) return;
    const mvn = requireTool('mvn', 'install Apache Maven (Debian: apt-get install maven)');
    const tar = requireTool('tar', 'install tar');
    const started = Date.now();
    progress.step('registry', `downloading Apicurio Registry ${apicurio} from Maven Central (~160 MB)`);
    const download = join(settings.layout.toolDir, 'downloads');
    const staging = `${target}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    mkdirSync(settings.layout.logDir, { recursive: true });
    const logFile = join(settings.layout.logDir, 'provision-registry.log');
    await run(
      mvn,
      [
        '-B',
        'dependency:copy',
        `-Dartifact=io.apicurio:apicurio-registry-app:${apicurio}:tar.gz:all`,
        `-DoutputDirectory=${download}`,
        `-Dmaven.repo.local=${join(settings.layout.cacheDir, 'm2', 'registry')}`,
      ],
      { service: 'registry', progress, logFile, cwd: settings.layout.toolDir },
    );
    progress.step('registry', 'unpacking');
    await run(tar, ['-xzf', join(download, `apicurio-registry-app-${apicurio}-all.tar.gz`), '-C', staging], {
      service: 'registry',
      progress,
      logFile,
    });
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    rmSync(join(download, `apicurio-registry-app-${apicurio}-all.tar.gz`), { force: true });
    progress.done('registry', `Apicurio Registry ${apicurio} in ${target}`, started);
  },

  async prepare(ctx) {
    const { settings } = ctx;
    const rt = registryRuntime(ctx);
    const data = join(settings.layout.dataDir, `registry-${rt.apicurio}`);
    mkdirSync(data, { recursive: true });
    return {
      service: 'registry',
      command: rt.java,
      cwd: home(ctx, rt.apicurio),
      args: [
        '-Xms128m',
        '-Xmx512m',
        `-Dquarkus.http.host=${settings.host}`,
        `-Dquarkus.http.port=${settings.ports.registry}`,
        `-Dquarkus.management.host=${settings.host}`,
        `-Dquarkus.management.port=${settings.ports.registryManagement}`,
        // A file database, so schema ids stay valid for the records already in Kafka.
        `-Dapicurio.datasource.url=jdbc:h2:file:${join(data, 'registry')}`,
        '-Dapicurio.rest.deletion.artifact.enabled=true',
        '-Dapicurio.rest.deletion.artifact-version.enabled=true',
        '-Dapicurio.rest.deletion.group.enabled=true',
        '-jar',
        'quarkus-run.jar',
      ],
    };
  },

  async probe(ctx) {
    const { host, ports } = ctx.settings;
    const res = await fetch(`http://${host}:${ports.registry}/apis/ccompat/v7/subjects`, {
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  },
};
