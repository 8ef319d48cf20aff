import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors';
import {
  AGGREGATE_COUNT_EXACT,
  AGGREGATE_STAGES,
  COUNT_EXACT,
  COUNT_PIPELINE,
  FIND_TOP_N,
  QUERY_PARAMS_FIELDS,
  QUERY_RESULT_FIELDS,
} from './ferretdb-handler-pushdown';
import { QUERY_PUSHDOWN, READ_COUNTED, SQLITE_PUSHDOWN } from './ferretdb-sqlite-pushdown';
import { SQLITE_TOP_QUERY } from './ferretdb-sqlite-top';

/**
 * FerretDB v1.24.2's SQLite backend finds a document by `_id` with a full table scan: its
 * queries read `_id` as `_ferretdb_sjson->'$._id'` while the unique index it creates is on
 * `_ferretdb_sjson->"_id"`, so SQLite never matches the two (measured among 10,000 order views:
 * 57 ms for SQLite's scan, and 87 ms for an uncached GET by id through the query API, 23 ms with
 * the index). It pushes nothing else down: a
 * version-guarded write (`{_id, version: {$lt: v}}`), a batch read (`{_id: {$in: [...]}}`) or a
 * list by customer decodes and filters every document of the collection in Go (~0.3 ms each).
 *
 * os2: these edits make SQLite use the `_id` index and answer `_id` and top-level string
 * equalities from the indexes the projections create. They are safe because the handler filters
 * every document a backend returns again with the whole filter, so a superset is correct.
 *
 * os3: a list page still decoded and sorted every document of its filter in Go (sort and limit
 * were pushed down only for `$natural`), and its count decoded them all again. Now a sorted,
 * limited find leaves out, in SQL, only rows that cannot be among the first skip+limit
 * (ferretdb-sqlite-top.ts), and the handler filters, sorts, skips and limits the rest as before;
 * `count` and countDocuments' `$match` + `$group` pipeline count in SQL the rows the filter
 * provably matches and leave the others (arrays, other types with the same JSON text) to the
 * handler. SQLite reads the filter and the sort key from the `{status: 1, updatedAt: -1}` index
 * and parses no document. `npm run bench:mongo` on 10,000 orders, on 2 cores shared with other
 * work (load ~1): page of one status (sort updatedAt, 20) + count, os2 mean 605 ms, p99 701 ms
 * (20 runs); os3 mean 63 ms, p50 63 ms, p99 84 ms (100 runs); page of one customer + count 56 ->
 * 20 ms.
 *
 * os4: release builds no longer run FerretDB's debug-build leak tracking (below).
 *
 * Bumping PATCH_LEVEL rebuilds cached binaries.
 */
export const FERRETDB_PATCH_LEVEL = 'os4';

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

const FIND_LIMIT_PUSHDOWN = `	if !h.DisablePushdown && params.Filter.Len() == 0 && params.Sort.Len() == 0 && params.Skip == 0 {
		qp.Limit = params.Limit
	}
`;

const AGGREGATE_STAGES_LOOP = `	iter := queryRes.Iter

	for _, s := range p.stages {
		if iter, err = s.Process(ctx, iter, closer); err != nil {
			return nil, err
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

export const FERRETDB_EDITS: readonly SourceEdit[] = [
  {
    // The same expression as the unique index, so SQLite uses it.
    file: 'internal/backends/sqlite/metadata/metadata.go',
    find: `IDColumn = DefaultColumn + "->'$._id'"`,
    replace: `IDColumn = DefaultColumn + "->'_id'"`,
  },
  {
    // os4: resource.Track is a leak check (a pprof stack per tracked object, a finalizer that
    // panics the server if one is never closed) meant for debug builds. Release builds ran it too,
    // for every document iterator: 12 % of the server's CPU reading order views. Now only debug
    // builds track; Untrack must match, or it panics on an untracked object.
    file: 'internal/util/resource/resource.go',
    find: 'func Track(obj any, token *Token) {\n\tcheckArgs(obj, token)\n',
    replace:
      'func Track(obj any, token *Token) {\n\tcheckArgs(obj, token)\n\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n',
  },
  {
    file: 'internal/util/resource/resource.go',
    find: 'func Untrack(obj any, token *Token) {\n\tcheckArgs(obj, token)\n',
    replace:
      'func Untrack(obj any, token *Token) {\n\tcheckArgs(obj, token)\n\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    find: ID_PUSHDOWN_QUERY,
    replace: QUERY_PUSHDOWN,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    find: ID_PUSHDOWN_EXPLAIN,
    replace: '\twhereClause, args = filterClause(params.Filter)\n\tfilterPushdown = whereClause != ""\n',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    find: '\n// check interfaces\n',
    replace: `${SQLITE_PUSHDOWN}${SQLITE_TOP_QUERY}\n// check interfaces\n`,
  },
  {
    file: 'internal/backends/sqlite/query_iterator.go',
    find: '// check interfaces\nvar (\n\t_ types.DocumentsIterator = (*queryIterator)(nil)\n)\n',
    replace: `${READ_COUNTED}// check interfaces\nvar (\n\t_ types.DocumentsIterator = (*queryIterator)(nil)\n)\n`,
  },
  {
    file: 'internal/backends/collection.go',
    find: '\tOnlyRecordIDs bool\n\tComment       string\n}\n',
    replace: QUERY_PARAMS_FIELDS,
  },
  {
    file: 'internal/backends/collection.go',
    find: '\tIter types.DocumentsIterator\n}\n',
    replace: QUERY_RESULT_FIELDS,
  },
  {
    file: 'internal/handler/msg_find.go',
    find: FIND_LIMIT_PUSHDOWN,
    replace: `${FIND_LIMIT_PUSHDOWN}${FIND_TOP_N}`,
  },
  {
    file: 'internal/handler/msg_count.go',
    find: '\tvar qp backends.QueryParams\n\tif !h.DisablePushdown {\n\t\tqp.Filter = params.Filter\n\t}\n',
    replace: COUNT_EXACT,
  },
  {
    file: 'internal/handler/msg_count.go',
    find: '\tn, _ := count.(int32)\n',
    replace: '\tn, _ := count.(int32)\n\tn += int32(queryRes.Counted)\n',
  },
  {
    file: 'internal/handler/msg_aggregate.go',
    find: '\t\titer, err = processStagesDocuments(ctx, closer, &stagesDocumentsParams{c, qp, stagesDocuments})\n',
    replace: AGGREGATE_COUNT_EXACT,
  },
  {
    file: 'internal/handler/msg_aggregate.go',
    find: AGGREGATE_STAGES_LOOP,
    replace: AGGREGATE_STAGES,
  },
  {
    file: 'internal/handler/msg_aggregate.go',
    find: '// stagesDocumentsParams contains the parameters for processStagesDocuments.\n',
    replace: `${COUNT_PIPELINE}// stagesDocumentsParams contains the parameters for processStagesDocuments.\n`,
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
