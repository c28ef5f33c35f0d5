package check

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
)

// Listings checks the listings read model (documents, search and landlord
// indexes, keyword and suggestion entries, district charts) against the
// listings table, deleted listings' tombstones included.
func Listings(states mysql.States, rm *readmodel.Store) Checker {
	return table(readmodel.Listings, "listing", states.Listings(),
		func(st events.ListingState) uuid.UUID { return st.ID }, readmodel.NewInspector(rm).ExpectListing)
}

// table builds the checker of a read model whose documents are the rows of
// one MySQL table, keyed by one id: states streams them in id order (Page)
// and reads some of them again (ByID), docID is the id in the state's document key
// ("<kind>:<id>"), and expect is the read model's own Expect, built from the
// same write its projector's Put makes.
func table[T any](projection, kind string, states mysql.StateTable[T],
	docID func(T) uuid.UUID,
	expect func(T) (readmodel.Expected, error)) Checker {
	expectAll := func(sts []T) ([]readmodel.Expected, error) {
		out := make([]readmodel.Expected, 0, len(sts))
		for _, st := range sts {
			e, err := expect(st)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	return Checker{
		Projection: projection,
		Kind:       kind,
		Expect: func(ctx context.Context, after string, limit int) ([]readmodel.Expected, string, error) {
			from, err := cursor(after)
			if err != nil {
				return nil, "", err
			}
			sts, err := states.Page(ctx, from, limit)
			if err != nil || len(sts) == 0 {
				return nil, "", err
			}
			exp, err := expectAll(sts)
			return exp, docID(sts[len(sts)-1]).String(), err
		},
		ExpectIDs: func(ctx context.Context, ids []string) ([]readmodel.Expected, error) {
			sts, err := states.ByID(ctx, parseIDs(ids))
			if err != nil {
				return nil, err
			}
			return expectAll(sts)
		},
	}
}

// cursor parses a cursor of id-ordered aggregates ("" = before the first).
func cursor(after string) (uuid.UUID, error) {
	if after == "" {
		return uuid.Nil, nil
	}
	return uuid.Parse(after)
}

// parseIDs keeps the ids that are UUIDs: a document key with anything else
// cannot be an aggregate's, and is reported as one MySQL does not have.
func parseIDs(ids []string) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, s := range ids {
		if id, err := uuid.Parse(s); err == nil {
			out = append(out, id)
		}
	}
	return out
}
