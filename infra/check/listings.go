package check

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
)

// Listings checks the listings read model (documents, search and landlord
// indexes) against the listings table, deleted listings' tombstones included.
func Listings(states mysql.States, rm *readmodel.Store) Checker {
	expect := func(sts []events.ListingState) ([]readmodel.Expected, error) {
		out := make([]readmodel.Expected, 0, len(sts))
		for _, st := range sts {
			e, err := rm.ExpectListing(st)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	return Checker{
		Projection: readmodel.Listings,
		Kind:       "listing",
		Expect: func(ctx context.Context, after string, limit int) ([]readmodel.Expected, string, error) {
			from, err := cursor(after)
			if err != nil {
				return nil, "", err
			}
			sts, err := states.Listings(ctx, from, limit)
			if err != nil || len(sts) == 0 {
				return nil, "", err
			}
			exp, err := expect(sts)
			return exp, sts[len(sts)-1].ID.String(), err
		},
		ExpectIDs: func(ctx context.Context, ids []string) ([]readmodel.Expected, error) {
			sts, err := states.ListingsByID(ctx, parseIDs(ids))
			if err != nil {
				return nil, err
			}
			return expect(sts)
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
