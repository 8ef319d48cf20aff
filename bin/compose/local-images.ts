import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { stackSettings } from '../../stack/layout';
import { javaMajorVersion, which } from '../../stack/shell';
import { FERRETDB_PATCH_LEVEL } from '../../stack/services/ferretdb-patches';
import { exec, output, seconds, step, VerifyPrerequisiteError } from './shell';

/** The images that stand in for the vendors' where no container registry is reachable. */
export const LOCAL_IMAGES = {
  base: 'orderstream-local/debian:bookworm',
  node: 'orderstream-local/node:20',
  servers: 'orderstream-local/servers:bookworm',
  kafka: 'orderstream-local/kafka:3.9.2',
  registry: 'orderstream-local/apicurio:3.3.3',
  mongo: 'orderstream-local/ferretdb:1.24.2',
  redis: 'orderstream-local/redis:bookworm',
  prometheus: 'orderstream-local/prometheus:bookworm',
} as const;

const ROOT = join(__dirname, '..', '..');
const DOCKERFILES = join(ROOT, 'docker', 'local');
const STACK_HINT =
  'run `npm run stack -- up` once: it provisions Kafka, Apicurio and FerretDB into ~/.cache/orderstream';

export const imageExists = (image: string): boolean =>
  output('docker', ['image', 'inspect', image]) !== undefined;

/** Debian's mirror as apt on this machine knows it (DEBIAN_MIRROR overrides). */
const debianMirror = (): string => {
  if (process.env.DEBIAN_MIRROR) return process.env.DEBIAN_MIRROR;
  const sources = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const uri =
    sources.match(/^URIs:\s*(\S+\/debian)\s*$/m)?.[1] ??
    sources.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s+bookworm\s/m)?.[1];
  if (!uri) throw new VerifyPrerequisiteError('no Debian mirror in /etc/apt/sources*: set DEBIAN_MIRROR');
  return uri;
};

const build = async (
  image: string,
  context: string,
  logDir: string,
  say: (message: string) => void,
): Promise<void> => {
  const started = Date.now();
  say(`building ${image}`);
  const logFile = join(logDir, `build-${image.replace(/[/:]/g, '_')}.log`);
  // No bridge on this engine: RUN steps reach Debian's mirror and npm through the host's network.
  await exec('docker', ['build', '--network', 'host', '-t', image, context], { logFile });
  say(`built ${image} in ${seconds(started)}`);
};

/** A build context: the Dockerfile folder plus the host artefacts the image copies in. */
const context = (workDir: string, name: string, artefacts: Record<string, string> = {}): string => {
  const dir = join(workDir, `context-${name}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(DOCKERFILES, name), dir, { recursive: true });
  for (const [target, source] of Object.entries(artefacts)) {
    if (!existsSync(source)) throw new VerifyPrerequisiteError(`${source} is missing: ${STACK_HINT}`);
    cpSync(source, join(dir, target), { recursive: true, dereference: true });
  }
  return dir;
};

/** Debian bookworm from its mirror by debootstrap, imported as an image: the root of every local image. */
const buildBase = async (workDir: string, say: (message: string) => void): Promise<void> => {
  const debootstrap = which('debootstrap');
  if (!debootstrap) throw new VerifyPrerequisiteError('no debootstrap: apt-get install -y debootstrap');
  const rootfs = join(workDir, 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  const started = Date.now();
  say(`debootstrap bookworm (minbase, tini, curl) from ${debianMirror()}: about a minute`);
  await exec(
    debootstrap,
    ['--variant=minbase', '--include=tini,ca-certificates,curl', 'bookworm', rootfs, debianMirror()],
    { logFile: join(workDir, 'debootstrap.log') },
  );
  // The host's trust store: where egress goes through a TLS-inspecting proxy, npm and apt inside
  // the images trust what the host trusts.
  cpSync('/etc/ssl/certs/ca-certificates.crt', join(rootfs, 'etc/ssl/certs/ca-certificates.crt'));
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists'])
    for (const entry of readdirSync(join(rootfs, dir)))
      if (entry.endsWith('.deb') || entry.includes('_')) rmSync(join(rootfs, dir, entry), { force: true });
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await exec('docker', ['import', '-c', 'CMD ["/bin/bash"]', '-', LOCAL_IMAGES.base], {
    input: tar.stdout,
    logFile: join(workDir, 'import.log'),
  });
  rmSync(rootfs, { recursive: true, force: true });
  say(`built ${LOCAL_IMAGES.base} in ${seconds(started)}`);
};

/** A Java 21+ home for Apicurio 3.3 (it is compiled for 21): ORDERSTREAM_REGISTRY_JAVA or /usr/lib/jvm. */
const java21Home = (): string => {
  const candidates = [
    process.env.ORDERSTREAM_REGISTRY_JAVA,
    ...(existsSync('/usr/lib/jvm')
      ? readdirSync('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d, 'bin', 'java'))
      : []),
  ].filter((c): c is string => c !== undefined && existsSync(c));
  const java = candidates.find((c) => (javaMajorVersion(c) ?? 0) >= 21);
  if (!java)
    throw new VerifyPrerequisiteError(
      'no Java 21+ JDK for the registry image: set ORDERSTREAM_REGISTRY_JAVA',
    );
  return dirname(dirname(realpathSync(java)));
};

/** Builds every local image that is missing (all of them with rebuild); returns the ones it built. */
export const buildLocalImages = async (
  workDir: string,
  rebuild: boolean,
  say: (message: string) => void = step,
): Promise<string[]> => {
  mkdirSync(workDir, { recursive: true });
  const { layout, versions } = stackSettings();
  const built: string[] = [];
  const wanted = (image: string): boolean => {
    if (rebuild || !imageExists(image)) {
      built.push(image);
      return true;
    }
    say(`${image} present`);
    return false;
  };
  if (wanted(LOCAL_IMAGES.base)) await buildBase(workDir, say);
  if (wanted(LOCAL_IMAGES.node)) {
    const npm = join(realpathSync(dirname(process.execPath)), '..', 'lib', 'node_modules', 'npm');
    await build(
      LOCAL_IMAGES.node,
      context(workDir, 'node', { node: realpathSync(process.execPath), npm }),
      workDir,
      say,
    );
  }
  if (wanted(LOCAL_IMAGES.servers))
    await build(LOCAL_IMAGES.servers, context(workDir, 'servers'), workDir, say);
  if (wanted(LOCAL_IMAGES.kafka))
    await build(
      LOCAL_IMAGES.kafka,
      context(workDir, 'kafka', { libs: join(layout.toolDir, `kafka-${versions.kafka}`, 'libs') }),
      workDir,
      say,
    );
  if (wanted(LOCAL_IMAGES.registry))
    await build(
      LOCAL_IMAGES.registry,
      context(workDir, 'registry', {
        jdk: java21Home(),
        apicurio: join(layout.toolDir, `apicurio-registry-${versions.apicurio}`),
      }),
      workDir,
      say,
    );
  if (wanted(LOCAL_IMAGES.mongo))
    await build(
      LOCAL_IMAGES.mongo,
      context(workDir, 'mongo', {
        ferretdb: join(layout.binDir, `ferretdb-${versions.ferretdb}-${FERRETDB_PATCH_LEVEL}`),
      }),
      workDir,
      say,
    );
  if (wanted(LOCAL_IMAGES.redis)) await build(LOCAL_IMAGES.redis, context(workDir, 'redis'), workDir, say);
  if (wanted(LOCAL_IMAGES.prometheus))
    await build(LOCAL_IMAGES.prometheus, context(workDir, 'prometheus'), workDir, say);
  for (const dir of readdirSync(workDir).filter((d) => d.startsWith('context-')))
    rmSync(join(workDir, dir), { recursive: true, force: true });
  return built;
};
