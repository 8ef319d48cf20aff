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

// topQuery is the whole query of a find whose page SQLite can narrow (backends.QueryParams.TopN):
// every row of the filter's superset, but those that cannot be among the first TopN documents in
// TopSort order. It is "" when it cannot tell.
//
// Candidates are rows where every key of the filter is equal (eq), whose first sort key's JSON
// text starts with a quote, and whose document text holds no backslash and no {"t":"objectId"},
// {"t":"binData"} or {"t":"regex"} (see onlyStringText): the filter matches such a document, and
// in it every value written as a JSON string is a string, written as '"' + its bytes + '"'. bound is taken from TopN
// candidates, picked in the order of the key's JSON text, which the index on the filter and the
// key gives: descending, m is the least of their strings, ascending M the greatest (SQLite's
// BINARY collation compares UTF-8 text as the handler compares strings, byte by byte). Those TopN
// documents match the filter and come at or before bound, so a candidate whose string comes
// strictly after bound has TopN matching documents strictly before it, whatever order the
// handler's sort gives, and cannot be among the first TopN: only such rows are left out.
//
// The rows left out are found in the JSON text of the key, which the index holds, so SQLite never
// parses a document. Descending, JSON text below '"' || m belongs to a string below m: the text
// after the opening quote, s + '"', is below m either at a byte where s is, or because s is a
// prefix of m and '"' is below m's next byte (m holds no quote). Ascending, '"' + s + '"' orders
// as s does except where s is a prefix of M and M's next byte is below '"' (a space or "!"):
// among those prefixes of M the one ending at M's first space or "!" has the greatest text, so
// text above both it and '"' + M + '"' belongs to a string above M. Rows in that range that are
// not candidates come back, as does every row outside it, and every row where a key of the filter
// holds an array. With fewer than TopN candidates the range is empty.
func topQuery(table string, params *backends.QueryParams) (string, []any) {
	f := newSQLFilter(params.Filter)
	if !f.exactOK || params.TopN <= 0 || params.TopSort.Len() == 0 || params.Sort.Len() != 0 || params.Limit != 0 {
		return "", nil
	}

	key := params.TopSort.Keys()[0]
	order, _ := must.NotFail(params.TopSort.Get(key)).(int64)

	if !plainField(key) || (order != 1 && order != -1) {
		return "", nil
	}

	doc := metadata.DefaultColumn
	text := fieldColumn(key)

	// A candidate's document holds no backslash and no tag of a type sjson writes as a JSON
	// string other than strings, which makes every onlyStringText check hold: only the others
	// (an ObjectID _id's) are left to write.
	checks := []string{
		fmt.Sprintf("instr(%s, char(92)) = 0", doc),
		fmt.Sprintf(\`instr(%s, '"t":"objectId"') = 0\`, doc),
		fmt.Sprintf(\`instr(%s, '"t":"binData"') = 0\`, doc),
		fmt.Sprintf(\`instr(%s, '"t":"regex"') = 0\`, doc),
	}

	var eqs []string
	var eqArgs, args []any

	for _, k := range f.keys {
		eqs = append(eqs, k.eq)
		eqArgs = append(eqArgs, k.args...)

		if !k.text {
			checks = append(checks, k.check)
		}
	}

	// The equalities and the range of the key's text stand where SQLite searches the index with
	// them (inside another expression SQLite would parse the document for them); checks read the
	// document's text without parsing it.
	stringText := fmt.Sprintf(\`%s >= '"' AND %s < '#'\`, text, text)
	candidate := fmt.Sprintf("%s AND %s AND %s", where(eqs), stringText, where(checks))
	value := "substr(j, 2, length(j) - 2)"

	var bound string
	var parts []string

	if order == -1 {
		bound = fmt.Sprintf(
			\`WITH b(v) AS (SELECT CASE WHEN count(*) = ? THEN '"' || min(%s) END \`+
				\`FROM (SELECT %s AS j FROM %q WHERE %s ORDER BY %s DESC LIMIT ?)) \`,
			value, text, table, candidate, text,
		)
		hi := \`coalesce((SELECT v FROM b), '"')\`
		parts = []string{
			fmt.Sprintf("%s IS NULL", text),
			fmt.Sprintf(\`%s < '"'\`, text),
			fmt.Sprintf("%s >= %s", text, hi),
			fmt.Sprintf(\`%s >= '"' AND %s < %s AND NOT coalesce(%s, 0)\`, text, text, hi, where(checks)),
		}
	} else {
		first := "CASE WHEN instr(v, ' ') = 0 THEN instr(v, '!') WHEN instr(v, '!') = 0 THEN instr(v, ' ') " +
			"ELSE min(instr(v, ' '), instr(v, '!')) END"
		bound = fmt.Sprintf(
			\`WITH m(v) AS (SELECT CASE WHEN count(*) = ? THEN max(%s) END \`+
				\`FROM (SELECT %s AS j FROM %q WHERE %s ORDER BY %s LIMIT ?)), \`+
				\`b(v) AS (SELECT max('"' || v || '"', CASE WHEN (%s) = 0 THEN '' ELSE '"' || substr(v, 1, (%s) - 1) || '"' END) FROM m) \`,
			value, text, table, candidate, text, first, first,
		)
		lo := \`coalesce((SELECT v FROM b), '#')\`
		parts = []string{
			fmt.Sprintf("%s IS NULL", text),
			fmt.Sprintf("%s <= %s AND %s < '#'", text, lo, text),
			fmt.Sprintf("%s >= '#'", text),
			fmt.Sprintf(\`%s > %s AND %s < '#' AND NOT coalesce(%s, 0)\`, text, lo, text, where(checks)),
		}
	}

	args = append(args, params.TopN)
	args = append(args, eqArgs...)
	args = append(args, params.TopN)

	var selects []string

	for _, part := range parts {
		selects = append(selects, fmt.Sprintf("SELECT %s FROM %q WHERE %s AND %s", doc, table, where(eqs), part))
		args = append(args, eqArgs...)
	}

	arrays, arrayArgs := arrayParts(table, f)
	selects = append(selects, arrays...)
	args = append(args, arrayArgs...)

	return bound + strings.Join(selects, " UNION ALL "), args
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
