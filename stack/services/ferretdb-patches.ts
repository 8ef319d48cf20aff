import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors';

/**
 * FerretDB v1.24.2's SQLite backend finds a document by `_id` with a full table scan: its
 * queries read `_id` as `_ferretdb_sjson->'$._id'` while the unique index it creates is on
 * `_ferretdb_sjson->"_id"`, so SQLite never matches the two (measured among 10,000 order views:
 * 57 ms for SQLite's scan, and 87 ms for an uncached GET by id through the query API, 23 ms with
 * the index). It pushes nothing else down: a
 * version-guarded write (`{_id, version: {$lt: v}}`), a batch read (`{_id: {$in: [...]}}`) or a
 * list by customer decodes and filters every document of the collection in Go (~0.3 ms each).
 *
 * These edits make SQLite use the `_id` index and answer `_id` and top-level string equalities
 * from the indexes the projections create. They are safe because the handler filters every
 * document a backend returns again with the whole filter, so a superset is correct.
 * Bumping PATCH_LEVEL rebuilds cached binaries.
 */
export const FERRETDB_PATCH_LEVEL = 'os2';

interface SourceEdit {
  file: string;
  find: string;
  replace: string;
}

const ID_PUSHDOWN_QUERY = `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`;

const ID_PUSHDOWN_EXPLAIN = `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			filterPushdown = true
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`;

const FILTER_CLAUSE = `
// filterClause pushes down the parts of a filter SQLite can answer from an index: _id equal to
// (or $in) strings or ObjectIDs, and top-level fields equal to a string. A field equal to a
// string also matches an array holding it, so arrays are kept too ("[" starts every JSON
// array). The handler filters the returned documents again with the whole filter, so a
// superset is correct. (Added when building for orderstream.)
func filterClause(filter *types.Document) (string, []any) {
	if filter == nil {
		return "", nil
	}

	var conditions []string
	var args []any

	for _, key := range filter.Keys() {
		value := must.NotFail(filter.Get(key))

		if key == "_id" {
			if condition, values := idCondition(value); condition != "" {
				conditions = append(conditions, condition)
				args = append(args, values...)
			}

			continue
		}

		s, ok := value.(string)
		if !ok || !plainField(key) {
			continue
		}

		column := fmt.Sprintf("%s->'%s'", metadata.DefaultColumn, key)
		conditions = append(conditions, fmt.Sprintf("(%[1]s = ? OR (%[1]s >= '[' AND %[1]s < '\\\\'))", column))
		args = append(args, string(must.NotFail(sjson.MarshalSingleValue(s))))
	}

	if len(conditions) == 0 {
		return "", nil
	}

	return " WHERE " + strings.Join(conditions, " AND "), args
}

// plainField tells whether a key is a top-level field name safe to put in SQL as it is.
func plainField(key string) bool {
	if key == "" {
		return false
	}

	for _, r := range key {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return false
		}
	}

	return true
}

// idCondition is the SQL condition for an _id equal to, or $in, strings or ObjectIDs.
func idCondition(v any) (string, []any) {
	switch v := v.(type) {
	case string, types.ObjectID:
		return fmt.Sprintf(\`%s = ?\`, metadata.IDColumn), []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}

	case *types.Document:
		if v.Len() != 1 {
			return "", nil
		}

		in, err := v.Get("$in")
		if err != nil {
			return "", nil
		}

		values, ok := in.(*types.Array)
		if !ok || values.Len() == 0 || values.Len() > 1000 {
			return "", nil
		}

		placeholders := make([]string, values.Len())
		args := make([]any, values.Len())

		for i := 0; i < values.Len(); i++ {
			e := must.NotFail(values.Get(i))

			switch e.(type) {
			case string, types.ObjectID:
			default:
				return "", nil
			}

			placeholders[i] = "?"
			args[i] = string(must.NotFail(sjson.MarshalSingleValue(e)))
		}

		return fmt.Sprintf(\`%s IN (%s)\`, metadata.IDColumn, strings.Join(placeholders, ", ")), args
	}

	return "", nil
}
`;

export const FERRETDB_EDITS: readonly SourceEdit[] = [
  {
    // The same expression as the unique index, so SQLite uses it.
    file: 'internal/backends/sqlite/metadata/metadata.go',
    find: `IDColumn = DefaultColumn + "->'$._id'"`,
    replace: `IDColumn = DefaultColumn + "->'_id'"`,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    find: ID_PUSHDOWN_QUERY,
    replace: '\twhereClause, args = filterClause(params.Filter)\n',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    find: ID_PUSHDOWN_EXPLAIN,
    replace: '\twhereClause, args = filterClause(params.Filter)\n\tfilterPushdown = whereClause != ""\n',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    find: '\n// check interfaces\n',
    replace: `${FILTER_CLAUSE}\n// check interfaces\n`,
  },
];

/** Applies every edit to a copy of FerretDB's sources; each must match exactly once. */
export const applyFerretPatches = (
  sourceDir: string,
  edits: readonly SourceEdit[] = FERRETDB_EDITS,
): void => {
  for (const edit of edits) {
    const path = join(sourceDir, edit.file);
    const text = readFileSync(path, 'utf8');
    const count = text.split(edit.find).length - 1;
    if (count !== 1) {
      throw new PrerequisiteError(
        `cannot patch FerretDB: expected the text to change once in ${edit.file}, found it ${count} times ` +
          '(is the FerretDB version the one stack/layout.ts names?)',
      );
    }
    writeFileSync(
      path,
      text.replace(edit.find, () => edit.replace),
    );
  }
};
