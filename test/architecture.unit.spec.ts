import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The seams that keep a client library swappable and the services layered (STYLE habits 7 and
 * "lib/ importing from a service folder"), checked over the source tree so a new import that
 * crosses one fails here instead of in a review.
 *
 * Spec files are excepted: a few reach a client library on purpose (a raw client that cannot
 * connect, a consumer-group member assignment encoded by hand), and integration specs may drive
 * a service from below.
 */
const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = [
  'benchmarks',
  'bin',
  'chaos',
  'domain',
  'k8s',
  'lib',
  'loadtest',
  'observability',
  'processors',
  'producers',
  'query-api',
  'schemas',
  'simulators',
  'stack',
  'test',
  'topics',
];
const CLIENT_LIBRARIES = ['kafkajs', 'mongodb', 'ioredis'];
const SERVICES = ['processors', 'producers', 'query-api'] as const;

/** Every module specifier a TypeScript source names: static imports and exports, `import()`, `require()`. */
export const importsOf = (source: string): string[] => {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1] ?? '');
  return found;
};

const packageOf = (specifier: string): string => specifier.split('/')[0] ?? specifier;

/** The top folder a relative specifier lands in, seen from `file` (both relative to the root). */
const topFolderOf = (file: string, specifier: string): string =>
  path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier)).split(path.sep)[0] ?? '';

const sourceFiles = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(relative);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });

const productionFiles = SOURCE_DIRS.flatMap(sourceFiles).filter((file) => !/\.spec\.tsx?$/.test(file));
const imports = productionFiles.flatMap((file) =>
  importsOf(readFileSync(path.join(ROOT, file), 'utf8')).map((specifier) => ({ file, specifier })),
);
const relativeImports = imports
  .filter(({ specifier }) => specifier.startsWith('.'))
  .map(({ file, specifier }) => ({ file, specifier, folder: topFolderOf(file, specifier) }));
const inFolder = (file: string, folder: string) => file.split(path.sep)[0] === folder;

describe('the source tree', () => {
  it('is found (the checks below would pass on an empty tree)', () => {
    expect(productionFiles).toEqual(
      expect.arrayContaining([path.join('lib', 'adapters', 'kafka', 'client.ts')]),
    );
    expect(imports.length).toBeGreaterThan(1_000);
  });

  it('reads every form of import', () => {
    const source = [
      "import type { Kafka } from 'kafkajs';",
      "import { MongoClient,\n  type Db } from 'mongodb';",
      "export type { Redis } from 'ioredis';",
      "import 'side-effect';",
      "const lazy = await import('../processors/x');",
      "const old = require('./y');",
    ].join('\n');
    expect(importsOf(source).sort()).toEqual(
      ['kafkajs', 'mongodb', 'ioredis', 'side-effect', '../processors/x', './y'].sort(),
    );
  });

  it('imports kafkajs, mongodb and ioredis only in lib/adapters/', () => {
    const adapters = path.join('lib', 'adapters') + path.sep;
    const offending = imports
      .filter(({ specifier }) => CLIENT_LIBRARIES.includes(packageOf(specifier)))
      .filter(({ file }) => !file.startsWith(adapters))
      .map(({ file, specifier }) => `${file} imports ${specifier}`);
    expect(offending).toEqual([]);
  });

  it('has no service importing another service: processors, producers and query-api depend only downward', () => {
    const offending = relativeImports
      .filter(({ file, folder }) =>
        SERVICES.some((s) => inFolder(file, s) && folder !== s && isService(folder)),
      )
      .map(({ file, specifier }) => `${file} imports ${specifier}`);
    expect(offending).toEqual([]);
  });

  it('has lib/, domain/, schemas/ and topics/ import no service folder', () => {
    const offending = relativeImports
      .filter(({ file }) => ['lib', 'domain', 'schemas', 'topics'].some((f) => inFolder(file, f)))
      .filter(({ folder }) => isService(folder))
      .map(({ file, specifier }) => `${file} imports ${specifier}`);
    expect(offending).toEqual([]);
  });
});

function isService(folder: string): boolean {
  return (SERVICES as readonly string[]).includes(folder);
}
