/**
 * Go source added to FerretDB v1.24.2's SQLite backend (`internal/backends/sqlite/`) by
 * ferretdb-patches.ts. Kept apart from the list of edits so each reads on its own.
 */

/** Query's WHERE clause, in place of its `_id`-only pushdown; an exact count answers first. */
export const QUERY_PUSHDOWN = `	if params.CountExact && !meta.Capped() && !params.OnlyRecordIDs {
		if res, err := countedQuery(ctx, db, meta.TableName, params.Filter); res != nil || err != nil {
			return res, err
		}
	}

	whereClause, args = queryClause(meta.TableName, params)
`;

/** Functions appended to collection.go. */
export const SQLITE_PUSHDOWN = `
// sqlFilter is what SQLite can answer of a filter (added when building for orderstream).
// superset holds for every document the filter matches: the handler filters whatever comes back
// with the whole filter again, so a superset is correct. exact, when exactOK, holds only for
// documents the filter matches; exactOK is false when a key of the filter has no exact SQL.
type sqlFilter struct {
	superset, exact         []string
	supersetArgs, exactArgs []any
	exactOK                 bool
}

// newSQLFilter pushes down _id equal to (or $in) strings or ObjectIDs, and top-level fields
// equal to a string, which the projections' indexes answer. sjson writes strings, ObjectIDs,
// binary data and regexes alike as JSON strings, so an exact condition also checks the type the
// document's schema ($s) records. A field equal to a string also matches an array holding it:
// the superset keeps arrays ("[" starts every JSON array), the exact condition leaves them to
// the handler.
func newSQLFilter(filter *types.Document) *sqlFilter {
	f := &sqlFilter{exactOK: true}

	for _, key := range filter.Keys() {
		value := must.NotFail(filter.Get(key))

		if key == "_id" {
			condition, values, typ := idCondition(value)
			if condition == "" {
				f.exactOK = false
				continue
			}

			f.superset = append(f.superset, condition)
			f.supersetArgs = append(f.supersetArgs, values...)

			if typ == "" {
				f.exactOK = false
				continue
			}

			f.exact = append(f.exact, fmt.Sprintf("(%s AND %s IS '%s')", condition, schemaType("_id"), typ))
			f.exactArgs = append(f.exactArgs, values...)

			continue
		}

		s, ok := value.(string)
		if !ok || !plainField(key) {
			f.exactOK = false
			continue
		}

		column := fieldColumn(key)
		arg := string(must.NotFail(sjson.MarshalSingleValue(s)))

		f.superset = append(f.superset, fmt.Sprintf("(%[1]s = ? OR (%[1]s >= '[' AND %[1]s < '\\\\'))", column))
		f.supersetArgs = append(f.supersetArgs, arg)
		f.exact = append(f.exact, fmt.Sprintf("(%s = ? AND %s IS 'string')", column, schemaType(key)))
		f.exactArgs = append(f.exactArgs, arg)
	}

	return f
}

// fieldColumn is a top-level field's JSON text, written as the indexes on it are.
func fieldColumn(key string) string {
	return fmt.Sprintf("%s->'%s'", metadata.DefaultColumn, key)
}

// schemaType is the BSON type sjson's schema records for a top-level field (NULL when missing).
func schemaType(key string) string {
	return fmt.Sprintf(\`%s->>'$."$s".p."%s".t'\`, metadata.DefaultColumn, key)
}

// where joins conditions with AND; "1" when there are none.
func where(conditions []string) string {
	if len(conditions) == 0 {
		return "1"
	}

	return strings.Join(conditions, " AND ")
}

// filterClause is the WHERE clause of a filter's superset conditions.
func filterClause(filter *types.Document) (string, []any) {
	f := newSQLFilter(filter)
	if len(f.superset) == 0 {
		return "", nil
	}

	return " WHERE " + where(f.superset), f.supersetArgs
}

// queryClause is the WHERE clause of a query: the filter's superset conditions and topClause.
func queryClause(table string, params *backends.QueryParams) (string, []any) {
	f := newSQLFilter(params.Filter)
	conditions, args := f.superset, f.supersetArgs

	if top, topArgs := topClause(table, f, params); top != "" {
		conditions = append(conditions, top)
		args = append(args, topArgs...)
	}

	if len(conditions) == 0 {
		return "", nil
	}

	return " WHERE " + where(conditions), args
}

// topClause leaves out rows that cannot be among the first params.TopN documents in
// params.TopSort order (backends.QueryParams.TopN); "" when it cannot tell.
//
// Candidates are the rows the exact conditions hold for (so they match the whole filter) whose
// first sort key is a string without JSON escapes: the schema says string and the JSON text holds
// no backslash, so ->> gives the very bytes FerretDB's decoding gives. bound is the last value, in
// sort order, of TopN candidates (max for ascending, min for descending). Those TopN documents
// match the filter and their first keys are strings at or before bound; the handler compares two
// strings byte by byte (Go's <), as SQLite's BINARY collation compares UTF-8 text (memcmp, then
// length). So a candidate whose string is strictly after bound has TopN matching documents
// strictly before it in any order the handler's sort can give, and cannot be among the first
// TopN: those are the only rows left out. Every other row of the superset comes back (first key
// missing, an array, another type, escaped, or not known to match), ties with bound included,
// and with fewer than TopN candidates bound is NULL and nothing is left out. Which TopN
// candidates give bound only changes how many rows come back: they are read in the order of the
// key's JSON text, which the index on the filter and the key gives.
func topClause(table string, f *sqlFilter, params *backends.QueryParams) (string, []any) {
	if !f.exactOK || params.TopN <= 0 || params.TopSort.Len() == 0 || params.Sort.Len() != 0 || params.Limit != 0 {
		return "", nil
	}

	key := params.TopSort.Keys()[0]
	order, _ := must.NotFail(params.TopSort.Get(key)).(int64)

	if !plainField(key) || (order != 1 && order != -1) {
		return "", nil
	}

	last, cmp, direction := "max", "<=", ""
	if order == -1 {
		last, cmp, direction = "min", ">=", " DESC"
	}

	value := fmt.Sprintf("%s->>'%s'", metadata.DefaultColumn, key)
	candidate := fmt.Sprintf(
		"%s AND %s IS 'string' AND instr(%s, char(92)) = 0",
		where(f.exact), schemaType(key), fieldColumn(key),
	)
	bound := fmt.Sprintf(
		"(SELECT CASE WHEN count(*) = ? THEN %s(v) END FROM (SELECT %s AS v FROM %q WHERE %s ORDER BY %s%s LIMIT ?))",
		last, value, table, candidate, fieldColumn(key), direction,
	)
	clause := fmt.Sprintf("(NOT coalesce(%s, 0) OR %s %s coalesce(%s, %s))", candidate, value, cmp, bound, value)

	args := make([]any, 0, 2*len(f.exactArgs)+2)
	args = append(args, f.exactArgs...)
	args = append(args, params.TopN)
	args = append(args, f.exactArgs...)
	args = append(args, params.TopN)

	return clause, args
}

// countedQuery answers an exact count (backends.QueryParams.CountExact): SQLite counts the rows
// the exact conditions hold for, and only the other rows of the superset come back for the handler
// to filter and count. One statement reads both, so from one snapshot. It returns nil when a key
// of the filter has no exact SQL.
func countedQuery(ctx context.Context, db *fsql.DB, table string, filter *types.Document) (*backends.QueryResult, error) {
	f := newSQLFilter(filter)
	if !f.exactOK {
		return nil, nil
	}

	exact := where(f.exact)
	q := fmt.Sprintf(
		"SELECT c.n, r.%[1]s FROM (SELECT count(*) AS n FROM %[2]q WHERE %[3]s) AS c "+
			"LEFT JOIN (SELECT %[1]s FROM %[2]q WHERE %[4]s AND NOT coalesce(%[3]s, 0)) AS r ON 1",
		metadata.DefaultColumn, table, exact, where(f.superset),
	)

	args := make([]any, 0, 2*len(f.exactArgs)+len(f.supersetArgs))
	args = append(args, f.exactArgs...)
	args = append(args, f.supersetArgs...)
	args = append(args, f.exactArgs...)

	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	if !rows.Next() {
		err = rows.Err()
		rows.Close()

		if err == nil {
			err = lazyerrors.New("exact count: no row")
		}

		return nil, lazyerrors.Error(err)
	}

	var counted int64
	var first []byte

	if err = rows.Scan(&counted, &first); err != nil {
		rows.Close()
		return nil, lazyerrors.Error(err)
	}

	iter := &countedIterator{rows: rows, first: first}
	if first == nil {
		// LEFT JOIN of no rows: nothing is left for the handler.
		iter.Close()
	}

	return &backends.QueryResult{Iter: iter, Counted: counted}, nil
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

// idCondition is the SQL condition for an _id equal to, or $in, strings or ObjectIDs, and the
// schema type every value has ("" when they differ).
func idCondition(v any) (string, []any, string) {
	switch v := v.(type) {
	case string, types.ObjectID:
		return fmt.Sprintf(\`%s = ?\`, metadata.IDColumn), []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}, sjson.GetTypeOfValue(v)

	case *types.Document:
		if v.Len() != 1 {
			return "", nil, ""
		}

		in, err := v.Get("$in")
		if err != nil {
			return "", nil, ""
		}

		values, ok := in.(*types.Array)
		if !ok || values.Len() == 0 || values.Len() > 1000 {
			return "", nil, ""
		}

		placeholders := make([]string, values.Len())
		args := make([]any, values.Len())
		typ := sjson.GetTypeOfValue(must.NotFail(values.Get(0)))

		for i := 0; i < values.Len(); i++ {
			e := must.NotFail(values.Get(i))

			switch e.(type) {
			case string, types.ObjectID:
			default:
				return "", nil, ""
			}

			if sjson.GetTypeOfValue(e) != typ {
				typ = ""
			}

			placeholders[i] = "?"
			args[i] = string(must.NotFail(sjson.MarshalSingleValue(e)))
		}

		return fmt.Sprintf(\`%s IN (%s)\`, metadata.IDColumn, strings.Join(placeholders, ", ")), args, typ
	}

	return "", nil, ""
}
`;

/** An iterator appended to query_iterator.go, for countedQuery's rows. */
export const COUNTED_ITERATOR = `// countedIterator decodes the documents an exact count leaves to the handler: the second column
// of countedQuery's rows, starting with the one countedQuery read. (Added for orderstream.)
type countedIterator struct {
	m     sync.Mutex
	rows  *fsql.Rows // protected by m
	first []byte
}

// Next implements iterator.Interface.
func (iter *countedIterator) Next() (struct{}, *types.Document, error) {
	iter.m.Lock()
	defer iter.m.Unlock()

	var unused struct{}

	b := iter.first
	iter.first = nil

	if b == nil {
		if iter.rows == nil {
			return unused, nil, iterator.ErrIteratorDone
		}

		if !iter.rows.Next() {
			err := iter.rows.Err()
			iter.close()

			if err == nil {
				return unused, nil, iterator.ErrIteratorDone
			}

			return unused, nil, lazyerrors.Error(err)
		}

		var n int64
		if err := iter.rows.Scan(&n, &b); err != nil {
			iter.close()
			return unused, nil, lazyerrors.Error(err)
		}
	}

	doc, err := sjson.Unmarshal(b)
	if err != nil {
		iter.close()
		return unused, nil, lazyerrors.Error(err)
	}

	return unused, doc, nil
}

// Close implements iterator.Interface.
func (iter *countedIterator) Close() {
	iter.m.Lock()
	defer iter.m.Unlock()

	iter.close()
}

func (iter *countedIterator) close() {
	iter.first = nil

	if iter.rows != nil {
		iter.rows.Close()
		iter.rows = nil
	}
}

`;
