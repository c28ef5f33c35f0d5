// Package check compares every read model with the MySQL state it is
// projected from: document by document (version and body) and index entry by
// index entry, streaming both sides in batches so it never holds everything
// in memory.
package check

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
)

// Report is the outcome of a check.
type Report struct {
	Checked     map[string]int         `json:"checked"` // aggregates compared, per projection
	Differences []readmodel.Difference `json:"differences"`
}

// Clean reports whether nothing differs.
func (r Report) Clean() bool { return len(r.Differences) == 0 }

const batch = 500

// Run checks the listings and users read models against MySQL.
func Run(ctx context.Context, states mysql.States, rm *readmodel.Store) (Report, error) {
	r := Report{Checked: map[string]int{}}
	if err := listings(ctx, states, rm, &r); err != nil {
		return r, err
	}
	if err := users(ctx, states, rm, &r); err != nil {
		return r, err
	}
	return r, nil
}

// live returns a projection's live generation, recording it as a difference
// when the read model is not built.
func live(ctx context.Context, rm *readmodel.Store, projection string, r *Report) (string, error) {
	gen, _, err := rm.Generations(ctx, projection)
	if err != nil {
		return "", err
	}
	if gen == "" {
		r.Differences = append(r.Differences, readmodel.Difference{Key: projection, What: "generation", Want: "built", Got: "none"})
	}
	return gen, nil
}

func listings(ctx context.Context, states mysql.States, rm *readmodel.Store, r *Report) error {
	gen, err := live(ctx, rm, readmodel.Listings, r)
	if err != nil || gen == "" {
		return err
	}
	var after uuid.UUID
	published := 0
	for {
		page, err := states.Listings(ctx, after, batch)
		if err != nil {
			return err
		}
		exp := make([]readmodel.Expected, 0, len(page))
		for _, st := range page {
			e, err := rm.ExpectListing(st)
			if err != nil {
				return err
			}
			exp = append(exp, e)
			if st.Status == events.StatusPublished {
				published++
			}
		}
		if err := compare(ctx, rm, gen, exp, readmodel.Listings, r); err != nil {
			return err
		}
		if len(page) < batch {
			break
		}
		after = page[len(page)-1].ID
	}
	if err := countDocs(ctx, rm, readmodel.Listings, gen, "listing", r); err != nil {
		return err
	}
	indexed, err := rm.SearchIndexSize(ctx, gen)
	if err != nil {
		return err
	}
	if indexed != int64(published) {
		r.Differences = append(r.Differences, readmodel.Difference{Key: "ix:listing:all:price", What: "count",
			Want: fmt.Sprint(published), Got: fmt.Sprint(indexed)})
	}
	return nil
}

func users(ctx context.Context, states mysql.States, rm *readmodel.Store, r *Report) error {
	gen, err := live(ctx, rm, readmodel.Users, r)
	if err != nil || gen == "" {
		return err
	}
	var after uuid.UUID
	for {
		page, err := states.Users(ctx, after, batch)
		if err != nil {
			return err
		}
		exp := make([]readmodel.Expected, 0, len(page))
		for _, st := range page {
			e, err := rm.ExpectUser(st)
			if err != nil {
				return err
			}
			exp = append(exp, e)
		}
		if err := compare(ctx, rm, gen, exp, readmodel.Users, r); err != nil {
			return err
		}
		if len(page) < batch {
			break
		}
		after = page[len(page)-1].ID
	}
	return countDocs(ctx, rm, readmodel.Users, gen, "user", r)
}

func compare(ctx context.Context, rm *readmodel.Store, gen string, exp []readmodel.Expected, projection string, r *Report) error {
	diffs, err := rm.Compare(ctx, gen, exp)
	if err != nil {
		return err
	}
	r.Differences = append(r.Differences, diffs...)
	r.Checked[projection] += len(exp)
	return nil
}

// countDocs finds documents the read model holds that MySQL does not have.
func countDocs(ctx context.Context, rm *readmodel.Store, projection, gen, kind string, r *Report) error {
	n, err := rm.CountDocs(ctx, projection, gen, kind)
	if err != nil {
		return err
	}
	if n != r.Checked[projection] {
		r.Differences = append(r.Differences, readmodel.Difference{Key: projection, What: kind + " documents",
			Want: fmt.Sprint(r.Checked[projection]), Got: fmt.Sprint(n)})
	}
	return nil
}
