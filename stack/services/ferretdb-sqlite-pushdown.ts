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

	if top, topArgs := topQuery(meta.TableName, params); top != "" && !meta.Capped() && !params.OnlyRecordIDs {
		rows, err := db.QueryContext(ctx, top, topArgs...)
		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		return &backends.QueryResult{Iter: newQueryIterator(ctx, rows, false)}, nil
	}

	whereClause, args = filterClause(params.Filter)
`;

/** Functions appended to collection.go. */
export const SQLITE_PUSHDOWN = `
// sqlFilter is what SQLite can answer of a filter (added when building for orderstream).
// superset holds for every document the filter matches: the handler filters whatever comes back
// with the whole filter again, so a superset is correct. When exactOK, the filter matches a
// document exactly where every key's eq and check hold; exactOK is false when a key of the
// filter has no such SQL.
type sqlFilter struct {
	superset     []string
	supersetArgs []any
	keys         []keyCondition
	exactOK      bool
}

// keyCondition is one key's superset condition, eq OR alt: eq the equality of JSON text an index
// answers, alt the arrays that may hold the value ("" for _id). Where eq holds, check tells
// exactly whether the key matches, from the document's text alone (see onlyStringText).
type keyCondition struct {
	eq, alt, check string
	args           []any
	text           bool // check is onlyStringText's
}

// newSQLFilter pushes down _id equal to (or $in) strings or ObjectIDs, and top-level fields
// equal to a string, which the projections' indexes answer. sjson writes strings, ObjectIDs,
// binary data and regexes alike as JSON strings, so check also rules out the other types (for an
// ObjectID _id, from the type the document's schema $s records). A field equal to a string also
// matches an array holding it: the superset keeps arrays ("[" starts every JSON array), eq and
// check leave them to the handler.
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

			k := keyCondition{eq: condition, check: fmt.Sprintf("%s IS '%s'", schemaType("_id"), typ), args: values}
			if id, ok := value.(string); ok {
				k.check, k.text = onlyStringText(id), true
			}

			f.keys = append(f.keys, k)

			continue
		}

		s, ok := value.(string)
		if !ok || !plainField(key) {
			f.exactOK = false
			continue
		}

		column := fieldColumn(key)
		arg := string(must.NotFail(sjson.MarshalSingleValue(s)))
		k := keyCondition{
			eq:    fmt.Sprintf("%s = ?", column),
			alt:   fmt.Sprintf("(%[1]s >= '[' AND %[1]s < '\\\\')", column),
			check: onlyStringText(s),
			args:  []any{arg},
			text:  true,
		}

		f.superset = append(f.superset, fmt.Sprintf("(%s OR %s)", k.eq, k.alt))
		f.supersetArgs = append(f.supersetArgs, arg)
		f.keys = append(f.keys, k)
	}

	return f
}

// onlyStringText is a condition on a document's text under which a field whose JSON text is
// s's can only be the string s. sjson writes four types as JSON strings: strings, ObjectIDs (24
// lowercase hex digits), binary data (standard base64, length a multiple of 4) and regexes (the
// pattern); equal JSON text means an equal string. A regex, an ObjectID or binary data anywhere in
// the document puts {"t":"regex"…}, {"t":"objectId"} or {"t":"binData"…} in its schema, and no
// string value holds that text unescaped; a document that has one only goes to the handler.
func onlyStringText(s string) string {
	tags := []string{"regex"}

	if len(s) == 24 && strings.Trim(s, "0123456789abcdefABCDEF") == "" {
		tags = append(tags, "objectId")
	}

	if len(s)%4 == 0 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == "" {
		tags = append(tags, "binData")
	}

	conditions := make([]string, len(tags))
	for i, tag := range tags {
		conditions[i] = fmt.Sprintf(\`instr(%s, '"t":"%s"') = 0\`, metadata.DefaultColumn, tag)
	}

	return strings.Join(conditions, " AND ")
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

// arrayParts are the rows of a filter's superset where a key holds an array: key j holds one
// while the keys before it are equal and those after it are in the superset, so the parts and
// the rows where every key is equal never meet.
func arrayParts(table string, f *sqlFilter) ([]string, []any) {
	var selects []string
	var args []any

	for j, k := range f.keys {
		if k.alt == "" {
			continue
		}

		conditions := []string{k.alt}

		for i, other := range f.keys {
			switch {
			case i < j || (i > j && other.alt == ""):
				conditions = append(conditions, other.eq)
				args = append(args, other.args...)
			case i > j:
				conditions = append(conditions, fmt.Sprintf("(%s OR %s)", other.eq, other.alt))
				args = append(args, other.args...)
			}
		}

		selects = append(selects, fmt.Sprintf("SELECT %s FROM %q WHERE %s", metadata.DefaultColumn, table, where(conditions)))
	}

	return selects, args
}

// countedQuery answers an exact count (backends.QueryParams.CountExact) in one pass over the
// filter's superset, written as disjoint parts: the rows where every key's eq holds come back
// as NULL where every check holds too (the filter matches them; SQLite only counts them), as the
// document where one does not, and the rows where a key holds an array come back as documents;
// the handler filters and counts those documents. One statement, so one snapshot. The equalities
// stand where SQLite searches the index with them, and the checks read the document's text, so
// SQLite parses no document. It returns nil when a key of the filter has no exact SQL.
func countedQuery(ctx context.Context, db *fsql.DB, table string, filter *types.Document) (*backends.QueryResult, error) {
	f := newSQLFilter(filter)
	if !f.exactOK {
		return nil, nil
	}

	var eqs, checks []string
	var args []any

	for _, k := range f.keys {
		eqs = append(eqs, k.eq)
		checks = append(checks, k.check)
		args = append(args, k.args...)
	}

	selects := []string{fmt.Sprintf(
		"SELECT CASE WHEN coalesce(%[3]s, 0) THEN NULL ELSE %[1]s END AS %[1]s FROM %[2]q WHERE %[4]s",
		metadata.DefaultColumn, table, where(checks), where(eqs),
	)}

	arrays, arrayArgs := arrayParts(table, f)
	selects = append(selects, arrays...)
	args = append(args, arrayArgs...)

	rows, err := db.QueryContext(ctx, strings.Join(selects, " UNION ALL "), args...)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	iter, counted, err := readCounted(rows)
	if err != nil {
		return nil, lazyerrors.Error(err)
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

/** A function appended to query_iterator.go, for countedQuery's rows. */
export const READ_COUNTED = `// readCounted reads the rows of countedQuery: it counts the NULL ones, which the filter matches,
// and decodes the documents, which the handler filters. The documents are read before the handler
// needs the count; they are those SQLite could not decide (arrays, other types whose JSON text is
// the value), which the handler would decode anyway. (Added for orderstream.)
func readCounted(rows *fsql.Rows) (types.DocumentsIterator, int64, error) {
	defer rows.Close()

	var counted int64
	var docs []*types.Document

	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, 0, lazyerrors.Error(err)
		}

		if b == nil {
			counted++
			continue
		}

		doc, err := sjson.Unmarshal(b)
		if err != nil {
			return nil, 0, lazyerrors.Error(err)
		}

		docs = append(docs, doc)
	}

	if err := rows.Err(); err != nil {
		return nil, 0, lazyerrors.Error(err)
	}

	return iterator.Values(iterator.ForSlice(docs)), counted, nil
}

`;
