/**
 * Go source added to FerretDB v1.24.2's backend interface and handler by ferretdb-patches.ts:
 * the handler tells the backend when it may leave documents out (TopN) or count them itself
 * (CountExact), and the backend's contract says what each allows.
 */

/** Fields added to backends.QueryParams. */
export const QUERY_PARAMS_FIELDS = `	OnlyRecordIDs bool
	Comment       string

	// TopSort and TopN (added when building for orderstream): the handler filters with the whole
	// filter, sorts by TopSort, skips and limits what comes back, and answers only the first TopN
	// documents, so a backend may leave out documents that cannot be among them. Set only when
	// Filter is the whole filter and Sort and Limit are not set.
	TopSort *types.Document
	TopN    int64

	// CountExact (added when building for orderstream): the handler only counts the documents
	// Filter (the whole filter) matches, so a backend may count documents it knows match into
	// QueryResult.Counted and leave them out of Iter.
	CountExact bool
}
`;

/** Field added to backends.QueryResult. */
export const QUERY_RESULT_FIELDS = `	Iter types.DocumentsIterator

	// Counted documents match the filter and are not in Iter (see QueryParams.CountExact).
	Counted int64
}
`;

/** After find's limit pushdown in makeFindQueryParams. */
export const FIND_TOP_N = `
	// orderstream: whatever the backend returns is filtered, sorted, skipped and limited above
	// (makeFindIter), so it may leave out what cannot be among the first skip+limit documents;
	// only when it sees the whole filter (no dotted key removed) and sorts nothing itself.
	if !h.DisablePushdown && !cInfo.Capped() && qp.Sort.Len() == 0 && params.Sort.Len() > 0 &&
		params.Limit > 0 && params.Skip >= 0 && qp.Filter.Len() == params.Filter.Len() {
		if n := params.Skip + params.Limit; n > 0 {
			qp.TopSort = params.Sort
			qp.TopN = n
		}
	}
`;

/** count: the backend may count exactly when nothing is skipped or limited. */
export const COUNT_EXACT = `	var qp backends.QueryParams
	if !h.DisablePushdown {
		qp.Filter = params.Filter
		// orderstream: the documents the backend counted are added to those counted below.
		qp.CountExact = params.Skip == 0 && params.Limit == 0
	}
`;

/** aggregate: countDocuments' pipeline lets the backend count. */
export const AGGREGATE_COUNT_EXACT = `		// orderstream: see countPipeline; the filter must be whole (no dotted key removed).
		if !h.DisablePushdown && qp.Sort.Len() == 0 && qp.Filter.Len() == filter.Len() && countPipeline(aggregationStages) {
			qp.CountExact = true
		}

		iter, err = processStagesDocuments(ctx, closer, &stagesDocumentsParams{c, qp, stagesDocuments})
`;

export const AGGREGATE_STAGES = `	iter := queryRes.Iter

	for i, s := range p.stages {
		if iter, err = s.Process(ctx, iter, closer); err != nil {
			return nil, err
		}

		// orderstream: the documents the backend counted as matching the first stage ($match) join
		// its output as empty documents, for the $group after it only counts (countPipeline).
		if i == 0 && queryRes.Counted > 0 {
			iter = withCounted(iter, queryRes.Counted)
		}
	}
`;

export const COUNT_PIPELINE = `// countPipeline tells whether a pipeline only counts what its $match matches, as the Node
// driver's countDocuments sends it: [{$match: …}, {$group: {_id: <number>, <name>: {$sum: <number>}}}].
// That $group reads no field of the documents (a constant key, a constant summed once per
// document), so documents the backend counted may reach it empty. (Added for orderstream.)
func countPipeline(stages []any) bool {
	if len(stages) != 2 {
		return false
	}

	match, ok := stages[0].(*types.Document)
	if !ok || match.Len() != 1 || match.Command() != "$match" {
		return false
	}

	group, ok := stages[1].(*types.Document)
	if !ok || group.Len() != 1 || group.Command() != "$group" {
		return false
	}

	spec, ok := must.NotFail(group.Get("$group")).(*types.Document)
	if !ok || spec.Len() != 2 {
		return false
	}

	keys := spec.Keys()
	if keys[0] != "_id" || keys[1] == "_id" || !constantNumber(must.NotFail(spec.Get("_id"))) {
		return false
	}

	sum, ok := must.NotFail(spec.Get(keys[1])).(*types.Document)
	if !ok || sum.Len() != 1 || sum.Command() != "$sum" {
		return false
	}

	return constantNumber(must.NotFail(sum.Get("$sum")))
}

// constantNumber tells whether a value is a number, which $group uses as it is.
func constantNumber(v any) bool {
	switch v.(type) {
	case int32, int64, float64:
		return true
	default:
		return false
	}
}

// countedDocuments yields its iterator's documents, then n empty documents.
type countedDocuments struct {
	iter types.DocumentsIterator
	n    int64
	done bool
}

// withCounted returns iter's documents followed by n empty ones.
func withCounted(iter types.DocumentsIterator, n int64) types.DocumentsIterator {
	return &countedDocuments{iter: iter, n: n}
}

// Next implements iterator.Interface.
func (c *countedDocuments) Next() (struct{}, *types.Document, error) {
	if !c.done {
		_, doc, err := c.iter.Next()
		if !errors.Is(err, iterator.ErrIteratorDone) {
			return struct{}{}, doc, err
		}

		c.done = true
	}

	if c.n == 0 {
		return struct{}{}, nil, iterator.ErrIteratorDone
	}

	c.n--

	return struct{}{}, must.NotFail(types.NewDocument()), nil
}

// Close implements iterator.Interface.
func (c *countedDocuments) Close() {
	c.iter.Close()
}

`;
