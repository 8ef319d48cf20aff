import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_VERSIONS, stackSettings } from '../layout';
import { applyFerretPatches, FERRETDB_EDITS } from './ferretdb-patches';

/*
 * The edits are written against FerretDB's own files: each must match them exactly once. The
 * sources are those the stack downloads to build FerretDB (stack/services/mongo.ts), which the
 * integration set-up has done by the time this runs; a machine without them fails here saying so.
 */
describe('the FerretDB edits against the real sources', () => {
  const sources = join(
    stackSettings().layout.cacheDir,
    'go',
    'mod',
    'github.com',
    '!ferret!d!b',
    `!ferret!d!b@${DEFAULT_VERSIONS.ferretdb}`,
  );
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-sources-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`applies every edit once to ${sources}`, () => {
    if (!existsSync(sources)) {
      throw new Error(
        `FerretDB's sources are not at ${sources}: \`npm run stack -- up\` downloads and builds them`,
      );
    }
    for (const file of new Set(FERRETDB_EDITS.map((e) => e.file))) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), readFileSync(join(sources, file), 'utf8'));
    }
    applyFerretPatches(dir);
    for (const edit of FERRETDB_EDITS) {
      expect(readFileSync(join(dir, edit.file), 'utf8')).toContain(edit.replace);
    }
  });
});
