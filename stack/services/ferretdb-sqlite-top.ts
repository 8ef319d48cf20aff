/**
 * Go source added to FerretDB v1.24.2's SQLite backend by ferretdb-patches.ts: the query of a
 * sorted, limited find that leaves out rows which cannot be on its page. It uses the filter's
 * parts from ferretdb-sqlite-pushdown.ts.
 */

/** Appended to collection.go after SQLITE_PUSHDOWN. */
export const SQLITE_TOP_QUERY = `
// topQuery is the whole query of a find whose page SQLite can narrow (backends.QueryParams.TopN):
// every row of the filter's superset but those that cannot be among the first TopN documents in
// TopSort order; "" when it cannot tell. The handler filters, sorts, skips and limits the rows as
// it would all of them, so the page stays exact.
//
// Candidates are rows where every key of the filter is equal (eq), whose first sort key's JSON
// text starts with a quote, and whose document text holds no backslash and no {"t":"objectId"},
// {"t":"binData"} or {"t":"regex"} (see onlyStringText): the filter matches such a document, and
// in it every value written as a JSON string is a string, written as '"' + its bytes + '"'.
// bound comes from TopN candidates, read in the order of the key's JSON text, which the index on
// the filter's keys and the sort key gives: descending, m is the least of their strings; ascending,
// M the greatest (SQLite's BINARY collation compares UTF-8 text byte by byte, as the handler
// compares two strings). Those TopN documents match the filter and come at or before bound, so a
// candidate whose string comes strictly after it has TopN matching documents strictly before it,
// whatever order the handler's sort gives, and cannot be among the first TopN: only such rows are
// left out, never ties, and never a row of another type, an array, or a row not known to match.
//
// The rows left out are found by the JSON text of the key, which the index holds, so SQLite parses
// no document. Descending, text below '"' || m belongs to a string s below m: after the opening
// quote, s + '"' is below m either where s is, or because s is a prefix of m and '"' is below m's
// next byte (m holds no quote: its document holds no backslash). Ascending, '"' + s + '"' orders as
// s does except where s is a prefix of M and M's next byte is below '"' (a space or "!"); of those
// prefixes the one ending at M's first space or "!" has the greatest text, so text above both it
// and '"' + M + '"' belongs to a string above M. In that range, rows that are not candidates come
// back; so does every row outside it, and every row where a key of the filter holds an array.
// With fewer than TopN candidates the range is empty.
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
`;
