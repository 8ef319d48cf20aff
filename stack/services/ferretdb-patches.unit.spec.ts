import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors';
import { applyFerretPatches, FERRETDB_EDITS } from './ferretdb-patches';

describe('applyFerretPatches', () => {
  let dir: string;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-patch-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces each text exactly where it stands', () => {
    write('a.go', 'package a\n\nconst X = "old"\n');
    applyFerretPatches(dir, [{ file: 'a.go', find: '"old"', replace: '"$new"' }]);
    expect(readFileSync(join(dir, 'a.go'), 'utf8')).toBe('package a\n\nconst X = "$new"\n');
  });

  it('refuses a text that is missing or found twice, naming the file', () => {
    write('a.go', 'x x');
    expect(() => applyFerretPatches(dir, [{ file: 'a.go', find: 'y', replace: 'z' }])).toThrow(
      /a\.go, found it 0 times/,
    );
    expect(() => applyFerretPatches(dir, [{ file: 'a.go', find: 'x', replace: 'z' }])).toThrow(
      PrerequisiteError,
    );
  });

  it('applies every edit to sources shaped like FerretDB v1.24.2', () => {
    for (const edit of FERRETDB_EDITS) {
      const path = join(dir, edit.file);
      let existing = '';
      try {
        existing = readFileSync(path, 'utf8');
      } catch {
        existing = 'package sqlite\n';
      }
      write(edit.file, `${existing}${edit.find}`);
    }
    applyFerretPatches(dir);
    const collection = readFileSync(join(dir, 'internal/backends/sqlite/collection.go'), 'utf8');
    expect(collection).toContain('func filterClause(');
    expect(collection).toContain('func topQuery(');
    expect(collection).toContain('topQuery(meta.TableName, params)');
    expect(collection).toContain('whereClause, args = filterClause(params.Filter)');
    expect(readFileSync(join(dir, 'internal/handler/msg_find.go'), 'utf8')).toContain('qp.TopN = n');
    expect(readFileSync(join(dir, 'internal/handler/msg_count.go'), 'utf8')).toContain(
      'n += int32(queryRes.Counted)',
    );
    expect(readFileSync(join(dir, 'internal/backends/sqlite/metadata/metadata.go'), 'utf8')).toContain(
      `"->'_id'"`,
    );
  });
});
